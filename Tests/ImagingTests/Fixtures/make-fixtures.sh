#!/bin/sh
# Regenerates the tiny PNG fixtures that PNGTests reads. Needs ImageMagick 6 (/usr/bin/convert)
# and python3. The outputs are committed, so tests do not need either tool.
#   sh Tests/ImagingTests/Fixtures/make-fixtures.sh
set -eu
cd "$(dirname "$0")"
C=/usr/bin/convert
# No date/time chunks, so the files are reproducible; one deterministic tEXt comment instead.
D="-define png:exclude-chunk=date,time -set comment made-by-imagemagick"

$C -size 5x3 xc:red $D PNG24:rgb8.png                                            # RGB 8-bit
$C -size 5x3 xc:red -fill blue -draw "point 0,0" -fill lime -draw "point 4,2" $D PNG8:palette.png
$C -size 5x3 xc:red -alpha set -fill none -draw "matte 1,0 point" $D PNG8:palette-trns.png  # palette + tRNS
$C -size 5x1 xc:black -fill white -draw "point 1,0" -draw "point 3,0" -draw "point 4,0" \
   -colorspace Gray $D -define png:color-type=0 -define png:bit-depth=1 grey1.png          # 1-bit grey
$C -size 5x3 xc:"gray(40%)" -colorspace Gray $D -define png:color-type=0 -depth 8 grey8.png
$C -size 5x3 xc:"graya(50%,0.5)" $D -define png:color-type=4 -depth 8 grey-alpha.png
$C -size 5x3 xc:"rgba(255,128,0,0.5)" $D -define png:color-type=6 -depth 8 rgba.png
$C -size 5x3 xc:"#123456789abc" $D -define png:color-type=2 -depth 16 rgb16.png         # 16-bit
$C -size 5x3 xc:"#123456789abcffff" $D -define png:color-type=6 -depth 16 rgba16.png   # 16-bit, opaque alpha
$C -size 5x3 xc:blue $D -interlace PNG -define png:color-type=2 interlaced.png        # Adam7

# Text chunks of every kind, one of them after the image data: written by hand with zlib.
python3 - <<'PY'
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
raw = b"".join(b"\x00" + bytes([0, 128, 255] * 2) for _ in range(2))   # 2x2, every pixel (0,128,255)
png = b"\x89PNG\r\n\x1a\n"
png += chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
png += chunk(b"tEXt", b"Title\x00plain ascii")
png += chunk(b"tEXt", b"Latin\x00caf\xe9")                                 # Latin-1 byte E9
png += chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"compressed latin-1 " * 20))
png += chunk(b"iTXt", "prompt\x00\x00\x00\x00\x00a café ☕ at dusk".encode("utf-8"))
png += chunk(b"IDAT", zlib.compress(raw))
png += chunk(b"iTXt", b"workflow\x00\x01\x00en\x00Workflow\x00" + zlib.compress("{\"nodes\": \"…\"}".encode("utf-8")))
png += chunk(b"IEND", b"")
open("text-chunks.png", "wb").write(png)
PY
