import Dispatch

// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011 — the Random123 library; the same bijection as cuRAND's
// `curandStatePhilox4_32_10_t` and TensorFlow's stateless random ops).
//
// Layout (the same as cuRAND's Philox4_32_10 state):
//   key     = (seed low 32 bits, seed high 32 bits)
//   counter = (block low, block high, stream low, stream high)
// so block `i` of stream `s` under `seed` is a pure function of (seed, s, i). Nothing depends on
// thread count, chunking or batch size.

/// The Philox4x32-10 bijection, keyed by a 64-bit seed and fixed to one 64-bit stream.
///
/// `block(i)` returns the four 32-bit words of block `i` of the stream. The raw bijection on a
/// 128-bit counter and 64-bit key is `Philox4x32.bijection(counter:key:)`, checked against the
/// Random123 known-answer vectors.
public struct Philox4x32: Sendable, Equatable {
    /// The key words `(seed & 0xffff_ffff, seed >> 32)`.
    public let key: (UInt32, UInt32)
    /// The stream, placed in the upper 64 bits of the counter.
    public let stream: UInt64

    /// A generator keyed by `seed`, on stream `stream` (stream k is batch item k in `Noise`).
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        self.stream = stream
    }

    /// Block `counter` of this stream: the bijection applied to
    /// `(counter low, counter high, stream low, stream high)`.
    @inlinable
    public func block(_ counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        Philox4x32.bijection(
            counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32),
                      UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
            key: key)
    }

    /// Multipliers and Weyl key increments of Philox4x32 (Random123 `philox.h`).
    @usableFromInline static let m0: UInt32 = 0xD251_1F53
    @usableFromInline static let m1: UInt32 = 0xCD9E_8D57
    @usableFromInline static let w0: UInt32 = 0x9E37_79B9 // golden ratio
    @usableFromInline static let w1: UInt32 = 0xBB67_AE85 // sqrt(3) - 1

    /// Philox4x32 with 10 rounds on a raw 128-bit counter and 64-bit key (Random123 order:
    /// round, then for rounds 2...10 bump the key before the round).
    @inlinable
    public static func bijection(counter: (UInt32, UInt32, UInt32, UInt32),
                                 key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for r in 0..<10 {
            if r > 0 {
                k0 &+= w0
                k1 &+= w1
            }
            let p0 = m0.multipliedFullWidth(by: c0) // (high, low)
            let p1 = m1.multipliedFullWidth(by: c2)
            (c0, c1, c2, c3) = (p1.high ^ c1 ^ k0, p1.low, p0.high ^ c3 ^ k1, p0.low)
        }
        return (c0, c1, c2, c3)
    }

    public static func == (a: Philox4x32, b: Philox4x32) -> Bool {
        a.key == b.key && a.stream == b.stream
    }
}

/// A `RandomSource` that reads the words of one Philox stream in order: word `j` is lane `j % 4`
/// of block `j / 4`.
///
/// `nextNormal()` takes two words and makes two normals (`RandomConversion.boxMuller`); it returns
/// the first and keeps the second for the next `nextNormal()` call. So a generator used only
/// through `nextNormal()` yields exactly element `j` of `Noise.gaussian`'s item for that stream.
public struct PhiloxRandom: RandomSource, Sendable {
    /// The underlying bijection (seed and stream).
    public let philox: Philox4x32
    /// The index of the next word to return.
    public private(set) var wordIndex: UInt64 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var spareNormal: Float?

    /// A generator at the start of stream `stream` of `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.philox = Philox4x32(seed: seed, stream: stream)
    }

    public mutating func nextUInt32() -> UInt32 {
        let lane = Int(wordIndex & 3)
        if lane == 0 { buffer = philox.block(wordIndex >> 2) }
        wordIndex &+= 1
        switch lane {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    public mutating func nextUniform() -> Float {
        RandomConversion.uniform(nextUInt32())
    }

    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let a = nextUInt32()
        let b = nextUInt32()
        let (z0, z1) = RandomConversion.boxMuller(a, b)
        spareNormal = z1
        return z0
    }
}

/// Seeded Gaussian noise tensors, the `x_1` of the sampler and the `ε` of training.
///
/// The first axis is the batch: item `k` is stream `firstStream + k` of `seed`, and its element
/// `j` (row-major over the remaining axes) is normal `j % 4` of block `j / 4`, where a block's
/// words `(a, b, c, d)` give the normals `boxMuller(a, b)` and `boxMuller(c, d)`. Hence item k's
/// noise does not depend on the batch size, and the values do not depend on how the fill is
/// split across threads.
public enum Noise {
    /// Standard normal noise of `shape` whose first axis is the batch: item k uses stream
    /// `firstStream + k`. Fills in parallel (`DispatchQueue.concurrentPerform` over chunks of
    /// `chunkBlocks` Philox blocks); being counter-based, the chunking does not change the values.
    public static func gaussian(shape: [Int], seed: UInt64, firstStream: UInt64 = 0,
                                chunkBlocks: Int = 4096) -> Tensor {
        precondition(!shape.isEmpty, "Noise.gaussian needs a batch axis; got a scalar shape")
        precondition(chunkBlocks > 0, "chunkBlocks must be positive, got \(chunkBlocks)")
        let batch = shape[0]
        let perItem = shape.dropFirst().reduce(1, *)
        let blocksPerItem = (perItem + 3) / 4
        let chunksPerItem = max(1, (blocksPerItem + chunkBlocks - 1) / chunkBlocks)
        return Tensor(shape: shape) { out in
            guard perItem > 0, let start = out.baseAddress else { return }
            // Chunks write disjoint ranges of `out`, so sharing the pointer is race-free.
            nonisolated(unsafe) let base = start
            let units = batch * chunksPerItem
            let fillChunk = { @Sendable (unit: Int) in
                let item = unit / chunksPerItem
                let firstBlock = (unit % chunksPerItem) * chunkBlocks
                let endBlock = min(blocksPerItem, firstBlock + chunkBlocks)
                fillBlocks(firstBlock..<endBlock, of: Philox4x32(seed: seed, stream: firstStream &+ UInt64(item)),
                           into: base + item * perItem, count: perItem)
            }
            if units == 1 {
                fillChunk(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: units, execute: fillChunk)
            }
        }
    }

    /// Writes the normals of `blocks` of one stream into `row` (`count` elements in all; the
    /// last block may be partial).
    @inline(__always)
    private static func fillBlocks(_ blocks: Range<Int>, of philox: Philox4x32,
                                   into row: UnsafeMutablePointer<Float>, count: Int) { // row: [count]
        for b in blocks {
            let (w0, w1, w2, w3) = philox.block(UInt64(b))
            let (z0, z1) = RandomConversion.boxMuller(w0, w1)
            let (z2, z3) = RandomConversion.boxMuller(w2, w3)
            let j = 4 * b
            let n = min(4, count - j)
            row[j] = z0
            if n > 1 { row[j + 1] = z1 }
            if n > 2 { row[j + 2] = z2 }
            if n > 3 { row[j + 3] = z3 }
        }
    }

    /// The plain-loop twin of `gaussian`: one `PhiloxRandom` per item, `nextNormal()` in order,
    /// single-threaded. The test oracle for the parallel fill.
    public static func gaussianSerial(shape: [Int], seed: UInt64, firstStream: UInt64 = 0) -> Tensor {
        precondition(!shape.isEmpty, "Noise.gaussian needs a batch axis; got a scalar shape")
        let perItem = shape.dropFirst().reduce(1, *)
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        for item in 0..<shape[0] {
            var rng = PhiloxRandom(seed: seed, stream: firstStream &+ UInt64(item))
            for _ in 0..<perItem { scalars.append(rng.nextNormal()) }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
