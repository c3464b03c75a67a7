# Turns a text file into a C++ header holding it as a std::string_view (a raw string literal),
# so the HTML report's page stays a readable .html file in the source tree.
# Usage: cmake -DIN=file -DOUT=header -DNAME=identifier -P embed_text.cmake
file(READ "${IN}" content)
string(LENGTH "${content}" length)
# -Wpedantic (with -Werror) refuses string literals longer than 65536 characters.
if(length GREATER 65000)
  message(FATAL_ERROR "${IN}: ${length} characters; a literal may hold 65000 (split the page)")
endif()
string(FIND "${content}" ")DITA_TEXT" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )DITA_TEXT")
endif()
file(WRITE "${OUT}.tmp" "#pragma once\n// Generated from ${IN} by embed_text.cmake: edit that file, not this one.\n#include <string_view>\n\nnamespace dita::chaos {\ninline constexpr std::string_view ${NAME} = R\"DITA_TEXT(${content})DITA_TEXT\";\n} // namespace dita::chaos\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
