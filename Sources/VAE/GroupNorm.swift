import Foundation
import FlowCore

/// Group normalisation with a learned per-channel affine (`nn.GroupNorm(groups, C, eps=1e-6)`),
/// weight `[C]`, bias `[C]`, over a feature map `[C, H, W]`: each group of C/groups channels is
/// normalised by its mean and (biased) variance over all its elements.
///
/// Statistics are summed in float32 within blocks of 4096 and across blocks in double, so they
/// stay exact to float32 round-off for groups of millions of elements (SD3 at 1024²: 4 × 1024²).
/// SiLU can be fused into the output (the decoder always follows its norms with SiLU).
public struct GroupNorm: Sendable {
    public let weight: Int
    public let bias: Int
    public let channels: Int
    public let groups: Int
    public let eps: Float

    /// Declares `prefix.weight` and `prefix.bias` [C].
    public init(_ store: ParameterStore, _ prefix: String, channels: Int, groups: Int, eps: Float = 1e-6) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels in \(groups) groups")
        weight = store.declare(prefix + ".weight", [channels])
        bias = store.declare(prefix + ".bias", [channels])
        self.channels = channels
        self.groups = groups
        self.eps = eps
    }

    /// `output [C, plane] = GroupNorm(input)` (then SiLU when `silu`); `output` may be `input`.
    public func forward(_ ctx: ForwardContext, input: UnsafePointer<Float>, plane: Int,
                        output: UnsafeMutablePointer<Float>, silu: Bool) {
        groupNormForward(input: input, output: output, channels: channels, groups: groups, plane: plane,
                         weight: ctx.store.value(weight), bias: ctx.store.value(bias), eps: eps, silu: silu)
    }
}

/// The GroupNorm kernel on raw buffers (see `GroupNorm`): groups run in parallel.
public func groupNormForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, channels: Int, groups: Int,
                             plane: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float, silu: Bool) {
    let perGroup = channels / groups
    let count = perGroup * plane
    guard count > 0 else { return }
    nonisolated(unsafe) let (input, output, weight, bias) = (input, output, weight, bias)
    Parallel.forEach(groups) { g in
        let x = input + g * count
        // mean, then the variance of x − mean (two passes, as exact as the data allow); each
        // block of 4096 summed in 8 float lanes (a serial float sum would not vectorise).
        var sum = 0.0
        var i = 0
        while i < count {
            let n = min(4096, count - i)
            sum += Double(laneSum(x + i, count: n) { $0 })
            i += n
        }
        let mean = Float(sum / Double(count))
        var squares = 0.0
        i = 0
        while i < count {
            let n = min(4096, count - i)
            squares += Double(laneSum(x + i, count: n) { let d = $0 - mean; return d * d })
            i += n
        }
        let rstd = Float(1 / (squares / Double(count) + Double(eps)).squareRoot())
        for c in (g * perGroup)..<((g + 1) * perGroup) {
            let a = rstd * weight[c], b = bias[c] - mean * a
            let src = input + c * plane, dst = output + c * plane
            // In place gets its own loop: one whose load and store pointers might overlap runs
            // scalar at run time, and in place they always do.
            if UnsafePointer(dst) == src {
                if silu {
                    for j in 0..<plane { let v = dst[j] * a + b; dst[j] = v / (1 + fastExp(-v)) }
                } else {
                    for j in 0..<plane { dst[j] = dst[j] * a + b }
                }
            } else if silu {
                for j in 0..<plane { let v = src[j] * a + b; dst[j] = v / (1 + fastExp(-v)) }
            } else {
                for j in 0..<plane { dst[j] = src[j] * a + b }
            }
        }
    }
}

/// `Σ f(x[i])` over `count` elements, summed in 8 float lanes then across them.
@inline(__always)
func laneSum(_ x: UnsafePointer<Float>, count: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>) -> Float {
    var lanes = SIMD8<Float>.zero
    var j = 0
    while j + 8 <= count {
        lanes += f(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self))
        j += 8
    }
    var tail = SIMD8<Float>.zero
    for k in 0..<(count - j) { tail[k] = x[j + k] }
    lanes += f(tail).replacing(with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= Int32(count - j))
    return lanes.sum()
}

/// Plain-loop GroupNorm (then SiLU when `silu`) in double precision: the test oracle.
/// `x` [B, C, H, W], `weight` and `bias` [C].
public func naiveGroupNorm(_ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Double = 1e-6, silu: Bool = false) -> Tensor {
    let (batch, c) = (x.shape[0], x.shape[1])
    let plane = x.count / (batch * c)
    let per = c / groups
    var out = x
    for b in 0..<batch {
        for g in 0..<groups {
            let start = (b * c + g * per) * plane, n = per * plane
            let values = (0..<n).map { Double(x.scalars[start + $0]) }
            let mean = values.reduce(0, +) / Double(n)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
            for i in 0..<n {
                let ch = g * per + i / plane
                var v = (values[i] - mean) / (variance + eps).squareRoot() * Double(weight.scalars[ch]) + Double(bias.scalars[ch])
                if silu { v = v / (1 + exp(-v)) }
                out.scalars[start + i] = Float(v)
            }
        }
    }
    return out
}
