/// Encodes an `RGBImage` as a sixel DCS string, with a palette fitted to each image or the
/// fixed, dithered cube.
///
/// Output layout (7-bit, as xterm `-ti vt340` and other sixel terminals read it):
/// ```
/// ESC P 0;1;0 q "1;1;W;H          introducer (0-bits transparent), square pixels, size
/// #n;2;r;g;b …                    every register the image uses, channels in percent
/// #c <RLE bytes> $  …  -          per band of 6 rows: each colour present (ascending), then "-"
/// ESC \                           no "-" after the last band
/// ```
/// A data byte is 0x3F + a 6-bit column (bit 0 = top row of the band); runs of 4 or more equal
/// bytes are written `!count<byte>`; trailing empty columns of a colour are not written.

import FlowCore
public struct SixelEncoder: Sendable {
    /// Where the registers' colours come from.
    public enum Colors: Sendable, Equatable {
        /// A `FittedSixelPalette` made for each image (median cut, no dithering): flat colours
        /// stay flat. What the studio uses.
        case fitted(maxRegisters: Int)
        /// One fixed cube for every image, ordered dithering optional: frames quantise
        /// independently of each other, pixel by pixel.
        case cube(SixelPalette)
    }

    public let colors: Colors

    /// An encoder with the fixed cube that fits in `maxRegisters` colour registers (terminals
    /// report theirs through XTSMGRAPHICS; 256 is common, some offer only 16).
    public init(maxRegisters: Int = 256, dithering: Bool = true) {
        colors = .cube(SixelPalette(maxRegisters: maxRegisters, dithering: dithering))
    }

    public init(palette: SixelPalette) {
        colors = .cube(palette)
    }

    /// An encoder that fits a palette of at most `maxRegisters` colours to every image.
    public static func fitted(maxRegisters: Int = 256) -> SixelEncoder { SixelEncoder(colors: .fitted(maxRegisters: maxRegisters)) }

    private init(colors: Colors) {
        self.colors = colors
    }

    /// The registers `encode` uses for `image`.
    public func colorMap(for image: RGBImage) -> any SixelColorMap {
        switch colors {
        case .fitted(let maxRegisters): FittedSixelPalette(fitting: image, maxRegisters: maxRegisters)
        case .cube(let palette): palette
        }
    }

    /// The sixel DCS for `image`, as bytes ready to write to the terminal.
    public func encode(_ image: RGBImage) -> [UInt8] {
        let map = colorMap(for: image)
        let indices = map.quantize(image)
        return indices.withUnsafeBufferPointer {
            SixelEncoder.encode(indices: $0, width: image.width, height: image.height, percents: map.percents)
        }
    }

    /// The sixel DCS for `image` as a String (ASCII only).
    public func encodeString(_ image: RGBImage) -> String {
        String(decoding: encode(image), as: UTF8.self)
    }

    /// Encodes register indices `[H, W]` (each below `percents.count`).
    static func encode(indices: UnsafeBufferPointer<UInt8>, width w: Int, height h: Int,
                       percents: [(r: Int, g: Int, b: Int)]) -> [UInt8] {
        precondition(indices.count == w * h, "need \(w * h) register indices, got \(indices.count)")
        var out = ByteWriter(capacity: 64 + 16 * percents.count + w * h / 2)
        writeHeader(&out, width: w, height: h, percents: percents, indices: indices)
        guard w > 0 && h > 0 else {
            out.append(0x1B); out.append(0x5C)
            return out.finish()
        }

        let registers = percents.count
        // bits[c * w + x]: the 6-bit column of colour c at x in the current band.
        let bits = UnsafeMutablePointer<UInt8>.allocate(capacity: registers * w)
        bits.initialize(repeating: 0, count: registers * w)
        var present = [Bool](repeating: false, count: registers)
        var lastX = [Int](repeating: 0, count: registers)
        defer { bits.deallocate() }

        let bands = (h + 5) / 6
        for band in 0..<bands {
            let y0 = band * 6
            for row in 0..<min(6, h - y0) {
                let bit = UInt8(1) << UInt8(row)
                let line = indices.baseAddress! + (y0 + row) * w
                for x in 0..<w {
                    let c = Int(line[x])
                    bits[c * w + x] |= bit
                    if !present[c] {
                        present[c] = true
                        lastX[c] = x
                    } else if x > lastX[c] {
                        lastX[c] = x
                    }
                }
            }
            // Worst case for this band: per colour "#nnn" + every column once + "$", then "-".
            var bound = 2
            for c in 0..<registers where present[c] { bound += lastX[c] + 7 }
            out.reserve(bound)
            for c in 0..<registers where present[c] {
                out.appendUnchecked(0x23)  // #
                out.appendNumberUnchecked(c)
                let row = bits + c * w
                var x = 0
                let end = lastX[c]
                while x <= end {
                    let byte = row[x]
                    var run = 1
                    while x + run <= end && row[x + run] == byte { run += 1 }
                    if run >= 4 {
                        out.appendUnchecked(0x21)  // !
                        out.appendNumberUnchecked(run)
                        out.appendUnchecked(0x3F + byte)
                    } else {
                        for _ in 0..<run { out.appendUnchecked(0x3F + byte) }
                    }
                    x += run
                }
                out.appendUnchecked(0x24)  // $
                (row).update(repeating: 0, count: end + 1)
                present[c] = false
            }
            if band + 1 < bands { out.appendUnchecked(0x2D) }  // -
        }
        out.append(0x1B)
        out.append(0x5C)
        return out.finish()
    }

    /// `ESC P 0;1;0 q "1;1;W;H` and a `#n;2;r;g;b` for every register in use.
    static func writeHeader(_ out: inout ByteWriter, width: Int, height: Int, percents: [(r: Int, g: Int, b: Int)],
                            indices: UnsafeBufferPointer<UInt8>) {
        out.append(contentsOf: [0x1B, 0x50, 0x30, 0x3B, 0x31, 0x3B, 0x30, 0x71])  // ESC P 0;1;0 q
        out.append(contentsOf: [0x22, 0x31, 0x3B, 0x31, 0x3B])  // "1;1;
        out.appendNumber(width)
        out.append(0x3B)
        out.appendNumber(height)
        var used = [Bool](repeating: false, count: 256)
        for index in indices { used[Int(index)] = true }
        for c in 0..<percents.count where used[c] {
            let p = percents[c]
            out.append(0x23)
            out.appendNumber(c)
            out.append(contentsOf: [0x3B, 0x32, 0x3B])  // ;2;
            out.appendNumber(p.r)
            out.append(0x3B)
            out.appendNumber(p.g)
            out.append(0x3B)
            out.appendNumber(p.b)
        }
    }
}

/// A growable byte buffer with unchecked appends after an explicit `reserve` (the encoder's
/// hot loop knows its worst case per band).
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    /// Makes room for at least `extra` more bytes.
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let newCapacity = max(2 * capacity, count + extra)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always) mutating func appendUnchecked(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Appends a non-negative decimal number; needs room for its digits (reserve beforehand).
    @inline(__always) mutating func appendNumberUnchecked(_ n: Int) {
        if n < 10 {
            appendUnchecked(0x30 + UInt8(n))
        } else if n < 100 {
            appendUnchecked(0x30 + UInt8(n / 10))
            appendUnchecked(0x30 + UInt8(n % 10))
        } else if n < 1000 {
            appendUnchecked(0x30 + UInt8(n / 100))
            appendUnchecked(0x30 + UInt8(n / 10 % 10))
            appendUnchecked(0x30 + UInt8(n % 10))
        } else {
            var digits: [UInt8] = []
            var v = n
            while v > 0 { digits.append(0x30 + UInt8(v % 10)); v /= 10 }
            for d in digits.reversed() { appendUnchecked(d) }
        }
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        appendUnchecked(byte)
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        reserve(bytes.count)
        for b in bytes { appendUnchecked(b) }
    }

    mutating func appendNumber(_ n: Int) {
        reserve(20)
        appendNumberUnchecked(n)
    }

    /// The bytes written, as an array (the writer is used up).
    consuming func finish() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    deinit { base.deallocate() }
}
