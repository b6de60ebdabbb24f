import Foundation
import Testing
@testable import FlowCore

/// The mixed-precision GEMM against a double-precision product of its bfloat16-rounded operands:
/// only the float32 accumulation may differ, so the tolerance is tight and catches any packing,
/// edge or rounding-mode mistake.
@Suite(.enabled(if: MatrixPrecision.bfloat16Available, "this CPU has no AVX512_BF16"))
struct BFloat16GEMMTests {
    static func bf16(_ x: Float) -> Double { Double(Float16Conversion.float(bfloat16Bits: Float16Conversion.bfloat16Bits(x))) }

    /// Sizes around the kernel's blocks (6-row × 64-column tiles, 512-deep k blocks, 66-row
    /// blocks): single elements, ragged edges, odd k, several k blocks.
    static let sizes = [(1, 1, 1), (7, 13, 5), (9, 65, 33), (67, 129, 512), (70, 100, 1031), (133, 47, 2)]

    @Test(arguments: sizes)
    func matchesTheRoundedProductForEveryTransposeAndBeta(_ size: (Int, Int, Int)) {
        let (m, n, k) = size
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                for beta: Float in [0, 2] {
                    check(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: beta)
                }
            }
        }
    }

    func check(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float) {
        // Stored shapes with padded leading dimensions (as blocks of wider buffers are).
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        let lda = aCols + 3, ldb = bCols + 5, ldc = n + 2
        var rng = PhiloxRandom(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let a = (0..<aRows * lda).map { _ in rng.nextNormal() }
        let b = (0..<bRows * ldb).map { _ in rng.nextNormal() }
        let c0 = (0..<m * ldc).map { _ in beta == 0 ? Float.nan : rng.nextNormal() }  // beta 0: C is not read
        // The serial kernel, and `sgemm`'s threaded dispatch for products big enough to use it.
        let threaded = Double(m * n * k) >= MatrixPrecision.bfloat16MinimumWork
        for viaSgemm in threaded ? [false, true] : [false] {
            var c = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        if viaSgemm {
                            sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, transposeA: transposeA,
                                  b: pb.baseAddress!, ldb: ldb, transposeB: transposeB, c: pc.baseAddress!, ldc: ldc,
                                  alpha: alpha, beta: beta, precision: .bfloat16)
                        } else {
                            bfloat16GEMMSerial(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, transposeA: transposeA,
                                               b: pb.baseAddress!, ldb: ldb, transposeB: transposeB,
                                               c: pc.baseAddress!, ldc: ldc, alpha: alpha, beta: beta)
                        }
                    }
                }
            }
            verify(c, c0: c0, a: a, b: b, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc,
                   transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
        }
    }

    func verify(_ c: [Float], c0: [Float], a: [Float], b: [Float], m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int,
                transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float) {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Self.bf16(transposeA ? a[p * lda + i] : a[i * lda + p])
                    let y = Self.bf16(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                let scaledC = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])  // NaN in C with beta 0
                let expected = Double(alpha) * sum + scaledC
                let error = abs(Double(c[i * ldc + j]) - expected) / (1e-6 + Double(abs(alpha)) * magnitude + abs(scaledC))
                worst = max(worst, error.isNaN ? .infinity : error)
            }
        }
        #expect(worst < 1e-5, "m \(m) n \(n) k \(k) transposeA \(transposeA) transposeB \(transposeB) beta \(beta): error \(worst)")
        // Columns past n in each row of C are untouched.
        for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j].bitPattern == c0[i * ldc + j].bitPattern) } }
    }

    /// Through `sgemm` (split over threads), a large product agrees with float32 OpenBLAS to
    /// bfloat16's precision, and is not bit-identical to it (it really rounds).
    @Test func threadedProductAgreesWithFloat32ToBFloat16Precision() {
        let (m, n, k) = (300, 200, 256)
        var rng = PhiloxRandom(seed: 42)
        let a = (0..<m * k).map { _ in rng.nextNormal() }, b = (0..<n * k).map { _ in rng.nextNormal() }
        func product(_ precision: MatrixPrecision) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k, transposeB: true,
                              c: pc.baseAddress!, ldc: n, precision: precision)
                    }
                }
            }
            return c
        }
        let mixed = product(.bfloat16), single = product(.float32)
        let scale = sqrt(Double(k))  // typical |C| for unit normals
        let worst = zip(mixed, single).map { abs(Double($0 - $1)) }.max()!
        #expect(worst < 0.05 * scale && worst > 0, "largest difference \(worst)")
    }
}
