"""Reads a PNG with the standard library only (zlib), for checking what a screenshot shows."""
import struct
import zlib


def read_png(path):
    """Returns (width, height, rows) with rows a list of lists of (r, g, b) tuples."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def colour_stats(rows, target, tolerance=40):
    """(distinct colours, share of non-white pixels, pixels within tolerance of target)."""
    colours, non_white, near = set(), 0, 0
    total = 0
    for row in rows:
        for pixel in row:
            total += 1
            colours.add(pixel)
            if sum(pixel) < 3 * 245:
                non_white += 1
            if all(abs(a - b) <= tolerance for a, b in zip(pixel, target)):
                near += 1
    return len(colours), non_white / max(total, 1), near


def tallest_column(rows, target, tolerance=12):
    """The most pixels of one column within tolerance of target (a vertical marker line)."""
    counts = [0] * len(rows[0])
    for row in rows:
        for x, pixel in enumerate(row):
            if all(abs(a - b) <= tolerance for a, b in zip(pixel, target)):
                counts[x] += 1
    return max(counts)
