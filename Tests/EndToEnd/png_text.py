"""The text chunks of a PNG (tEXt, and iTXt compressed or not) as {keyword: text}: what the
studio tests read the `parameters` chunk with. Python's standard library only."""
import struct
import zlib


def png_text(path):
    png = open(path, "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    i, text = 8, {}
    while i < len(png):
        n, kind = struct.unpack(">I4s", png[i:i + 8])
        body = png[i + 8:i + 8 + n]
        if kind == b"tEXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"iTXt":
            k, rest = body.split(b"\0", 1)
            flag = rest[0]
            rest = rest[2:]
            _, rest = rest.split(b"\0", 1)
            _, v = rest.split(b"\0", 1)
            text[k.decode("latin-1")] = (zlib.decompress(v) if flag else v).decode("utf-8")
        i += 12 + n
    return text
