import FlowCore
import TestSupport
import Testing
@testable import VAE

/// The fast conv and GroupNorm against their plain-loop twins (double precision).
@Suite struct VAELayerTests {
    func random(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
    }

    func conv(_ cin: Int, _ cout: Int, kernel: Int, _ rng: inout SplitMix64) -> (Conv2D, ForwardContext, Tensor, Tensor) {
        let store = ParameterStore()
        let conv = Conv2D(store, "c", in: cin, out: cout, kernel: kernel)
        let w = random([cout, cin, kernel, kernel], &rng, scale: 0.5), b = random([cout], &rng)
        store.allocate()
        store.set(conv.weight, w)
        store.set(conv.bias, b)
        return (conv, ForwardContext(store: store), w, b)
    }

    @Test(arguments: [3, 1], ConvolutionAlgorithm.allCases) func convMatchesPlainLoops(kernel: Int, algorithm: ConvolutionAlgorithm) {
        var rng = SplitMix64(seed: 7)
        let (layer, ctx, w, b) = conv(5, 6, kernel: kernel, &rng)
        let x = random([2, 5, 7, 9], &rng)
        let reference = naiveConv2D(x, weight: w, bias: b)
        // One band, and one output row (im2col) or tile row (Winograd) per band (many bands taken
        // by the threads in turn).
        for bandBytes in [Conv2D.bandBytes, 1] {
            let closeness = compare(layer(ctx, x, algorithm: algorithm, bandBytes: bandBytes), reference, relative: 1e-5)
            #expect(closeness.ok, "\(kernel)×\(kernel) \(algorithm), band \(bandBytes): \(closeness)")
        }
    }

    @Test(arguments: ConvolutionAlgorithm.allCases) func fusedUpsampleMatchesUpsampleThenConv(algorithm: ConvolutionAlgorithm) {
        var rng = SplitMix64(seed: 8)
        let (layer, ctx, w, b) = conv(4, 3, kernel: 3, &rng)
        let x = random([1, 4, 5, 6], &rng)
        let reference = naiveConv2D(naiveUpsampleNearest2x(x), weight: w, bias: b)
        for bandBytes in [Conv2D.bandBytes, 3 * 4 * 36 * 12, 1] {  // whole map; bands of 3 rows; 1 row
            let closeness = compare(layer(ctx, x, upsampled: true, algorithm: algorithm, bandBytes: bandBytes), reference,
                                    relative: 1e-5)
            #expect(closeness.ok, "\(algorithm), band \(bandBytes): \(closeness)")
        }
    }

    @Test(arguments: ConvolutionAlgorithm.allCases) func convAccumulatesIntoTheOutput(algorithm: ConvolutionAlgorithm) {
        var rng = SplitMix64(seed: 9)
        let (layer, ctx, w, b) = conv(3, 2, kernel: 3, &rng)
        let x = random([1, 3, 4, 5], &rng), prior = random([1, 2, 4, 5], &rng)
        var out = prior
        x.scalars.withUnsafeBufferPointer { px in
            out.scalars.withUnsafeMutableBufferPointer { po in
                layer.forward(ctx, input: px.baseAddress!, height: 4, width: 5, output: po.baseAddress!, accumulate: true,
                              algorithm: algorithm)
            }
        }
        var reference = naiveConv2D(x, weight: w, bias: b)
        for i in reference.scalars.indices { reference.scalars[i] += prior.scalars[i] }
        #expect(compare(out, reference, relative: 1e-5).ok)
    }

    @Test(arguments: [false, true]) func groupNormMatchesPlainLoops(silu: Bool) {
        var rng = SplitMix64(seed: 10)
        let (channels, groups, h, w) = (12, 4, 9, 11)
        let store = ParameterStore()
        let norm = GroupNorm(store, "n", channels: channels, groups: groups)
        let weight = random([channels], &rng), bias = random([channels], &rng)
        store.allocate()
        store.set(norm.weight, weight)
        store.set(norm.bias, bias)
        // An offset larger than the spread: the variance must not be taken as E[x²] − E[x]².
        var x = random([1, channels, h, w], &rng, scale: 3)
        for i in x.scalars.indices { x.scalars[i] += 50 }
        var out = x
        out.scalars.withUnsafeMutableBufferPointer { p in
            norm.forward(ForwardContext(store: store), input: p.baseAddress!, plane: h * w, output: p.baseAddress!, silu: silu)
        }
        let reference = naiveGroupNorm(x, groups: groups, weight: weight, bias: bias, silu: silu)
        let closeness = compare(out, reference, relative: 1e-5)
        #expect(closeness.ok, "\(closeness)")
    }
}
