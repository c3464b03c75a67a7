"""Compatibility package: the names of the earlier ``prod.clean_arch.dita_v2`` (Rust kernel),
served by dita's C++ kernel, so that moving to dita is a change of install, not of code."""
