import FlowCore
import TestSupport
import Testing
@testable import VAE

/// Winograd F(2×2, 3×3) against its plain twin, the im2col path, on random inputs: channel counts
/// from 1 to 96, odd and even sizes (a last tile row or column half outside the map), with and
/// without the fused upsample and `accumulate`, in one band and in one tile row per band.
/// The largest relative difference seen (max|Δ| / max|ref|) is about 3e-7 (float32 rounding).
@Suite struct Conv2DWinogradTests {
    func random(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
    }

    /// A conv with weights of the usual scale (uniform, variance ≈ 1/(3·fan in)).
    func conv(_ cin: Int, _ cout: Int, _ rng: inout SplitMix64) -> (Conv2D, ForwardContext) {
        let store = ParameterStore()
        let conv = Conv2D(store, "c", in: cin, out: cout, kernel: 3)
        store.allocate()
        store.set(conv.weight, random([cout, cin, 3, 3], &rng, scale: 1 / Float(9 * cin).squareRoot()))
        store.set(conv.bias, random([cout], &rng))
        return (conv, ForwardContext(store: store))
    }

    /// `output (+)= conv(x)` by `algorithm` on a copy of `prior`.
    func run(_ layer: Conv2D, _ ctx: ForwardContext, _ x: Tensor, upsampled: Bool, prior: Tensor, accumulate: Bool,
             algorithm: ConvolutionAlgorithm, bandBytes: Int) -> Tensor {
        var out = prior
        let (h, w) = (x.shape[2], x.shape[3])
        x.scalars.withUnsafeBufferPointer { px in
            out.scalars.withUnsafeMutableBufferPointer { po in
                layer.forward(ctx, input: px.baseAddress!, height: h, width: w, upsampled: upsampled, output: po.baseAddress!,
                              accumulate: accumulate, algorithm: algorithm, bandBytes: bandBytes)
            }
        }
        return out
    }

    static let shapes: [(cin: Int, cout: Int, h: Int, w: Int)] = [
        (1, 1, 1, 1), (1, 2, 2, 3), (3, 5, 7, 9), (8, 8, 8, 8), (16, 7, 5, 12), (17, 32, 10, 3), (96, 64, 9, 11),
    ]

    @Test(arguments: [false, true], [false, true])
    func winogradMatchesIm2col(upsampled: Bool, accumulate: Bool) {
        var rng = SplitMix64(seed: 21)
        var worst: Float = 0
        for s in Self.shapes {
            let (layer, ctx) = conv(s.cin, s.cout, &rng)
            let x = random([1, s.cin, s.h, s.w], &rng, scale: 2)
            let k = upsampled ? 2 : 1
            let prior = random([1, s.cout, k * s.h, k * s.w], &rng)
            let reference = run(layer, ctx, x, upsampled: upsampled, prior: prior, accumulate: accumulate,
                                algorithm: .im2col, bandBytes: Conv2D.bandBytes)
            for bandBytes in [Conv2D.bandBytes, 1] {
                let result = run(layer, ctx, x, upsampled: upsampled, prior: prior, accumulate: accumulate,
                                 algorithm: .winograd, bandBytes: bandBytes)
                let closeness = compare(result, reference, relative: 2e-6)
                worst = max(worst, closeness.maxAbsDiff / closeness.maxAbsRef)
                #expect(closeness.ok, "\(s) upsampled \(upsampled) accumulate \(accumulate) band \(bandBytes): \(closeness)")
            }
        }
        print("Winograd vs im2col (upsampled \(upsampled), accumulate \(accumulate)): max relative difference \(worst)")
    }

    /// Against the double-precision plain loops, which is the error Winograd adds to float32
    /// rounding of the im2col path: both well under 1e-5 of the output's scale.
    @Test(arguments: [false, true]) func winogradMatchesPlainLoops(upsampled: Bool) {
        var rng = SplitMix64(seed: 22)
        let (layer, ctx) = conv(24, 10, &rng)
        let x = random([1, 24, 7, 10], &rng, scale: 3)
        let store = ctx.store
        let (w, b) = (store.tensor(layer.weight), store.tensor(layer.bias))
        let reference = naiveConv2D(upsampled ? naiveUpsampleNearest2x(x) : x, weight: w, bias: b)
        var errors: [ConvolutionAlgorithm: Float] = [:]
        for algorithm in ConvolutionAlgorithm.allCases {
            let closeness = compare(layer(ctx, x, upsampled: upsampled, algorithm: algorithm), reference, relative: 1e-5)
            errors[algorithm] = closeness.maxAbsDiff / closeness.maxAbsRef
            #expect(closeness.ok, "\(algorithm): \(closeness)")
        }
        print("vs float64 plain loops (upsampled \(upsampled)): relative error \(errors)")
    }

    /// The transformed weights of a kernel that is one 1 at (ky, kx) are the outer product of
    /// columns of G: U = G[:, ky] · G[:, kx]ᵀ.
    @Test func weightTransformIsGgGt() {
        let g: [[Float]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        for ky in 0..<3 {
            for kx in 0..<3 {
                var kernel = [Float](repeating: 0, count: 9)
                kernel[3 * ky + kx] = 1
                var u = [Float](repeating: .nan, count: 16)
                kernel.withUnsafeBufferPointer { pk in
                    u.withUnsafeMutableBufferPointer { pu in
                        Conv2D.winogradWeights(pk.baseAddress!, outChannels: 1, inChannels: 1, into: pu.baseAddress!)
                    }
                }
                let expected = (0..<16).map { g[$0 / 4][ky] * g[$0 % 4][kx] }
                #expect(u == expected, "kernel one at (\(ky), \(kx))")
            }
        }
    }
}
