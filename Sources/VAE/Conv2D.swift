import FlowCore
import Synchronization

// Dimension legend for the VAE: C channels (Cin, Cout), H W height and width of a feature map,
// P pixels in a band of output rows, K = Cin·k·k (the im2col depth).

/// A 2-D convolution with stride 1, a square kernel of 1 or 3 and "same" zero padding
/// (`nn.Conv2d(in, out, k, padding=k/2)`), stored as PyTorch stores it: weight
/// `[Cout, Cin, k, k]`, bias `[Cout]`.
///
/// The 1×1 case is one product. The 3×3 case runs one of two algorithms (`ConvolutionAlgorithm`):
/// - Winograd F(2×2, 3×3), the default (`Conv2D+Winograd.swift`): per band of 2×2-pixel tile
///   rows, the input tiles are transformed into V [16, Cin, tiles], multiplied by the weights
///   transformed at each call, U [16, Cout, Cin], in 16 products `M_k = U_k · V_k`, and M is
///   transformed back into the output: 16 multiply-adds per 4 output pixels and channel pair
///   instead of 36 (2.25× fewer; 4× with a fused upsample, where 9 products remain).
/// - im2col + one `sgemm` per band of output rows, its plain twin: a band's columns `[K, P]`
///   are gathered into a buffer of at most `bandBytes`, then `out[Cout, P] += W[Cout, K] ·
///   col[K, P]`.
///
/// Either way bands are taken by the threads in turn (each thread its own buffers, its products
/// serial), so the transforms stay in cache and the memory beyond input and output is bounded at
/// any image size (`threads · 2 · bandBytes`, 32 MB with 2 threads, plus Winograd's U). The input
/// may be read as if upsampled 2× (nearest), which fuses diffusers' `Upsample2D` into the conv
/// without making the 4× larger map.
public struct Conv2D: Sendable {
    public let weight: Int
    public let bias: Int
    public let inChannels: Int
    public let outChannels: Int
    /// 1 or 3.
    public let kernel: Int

    /// The most bytes of one thread's im2col buffer, half the most of its Winograd V and M (a band
    /// is at least one output row, or one tile row).
    public static let bandBytes = 8 << 20

    /// Declares `prefix.weight` [Cout, Cin, k, k] and `prefix.bias` [Cout].
    public init(_ store: ParameterStore, _ prefix: String, in inChannels: Int, out outChannels: Int, kernel: Int) {
        precondition(kernel == 1 || kernel == 3, "Conv2D supports 1×1 and 3×3 kernels")
        weight = store.declare(prefix + ".weight", [outChannels, inChannels, kernel, kernel])
        bias = store.declare(prefix + ".bias", [outChannels])
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
    }

    /// Multiply-adds of one forward producing an `height × width` output (the nominal count,
    /// k² per output pixel and channel pair).
    public func multiplyAdds(height: Int, width: Int) -> Double {
        Double(height * width) * Double(outChannels) * Double(inChannels * kernel * kernel)
    }

    /// Multiply-adds of the matrix products `algorithm` runs for an `height × width` output:
    /// nominal for 1×1 and im2col; Winograd: 16 per 2×2 tile and channel pair, 9 when `upsampled`.
    public func executedMultiplyAdds(height: Int, width: Int, upsampled: Bool = false,
                                     algorithm: ConvolutionAlgorithm) -> Double {
        guard kernel == 3, algorithm == .winograd else { return multiplyAdds(height: height, width: width) }
        let tiles = Double(((height + 1) / 2) * ((width + 1) / 2))
        return tiles * Double(upsampled ? 9 : 16) * Double(outChannels) * Double(inChannels)
    }

    /// `output [Cout, Ho, Wo] (=, or += when accumulate) conv(input) + bias`, with `input`
    /// `[Cin, H, W]` and (Ho, Wo) = (H, W), or (2H, 2W) when `upsampled` (the input read as its
    /// nearest-neighbour 2× enlargement; 3×3 only). `algorithm` picks how a 3×3 conv runs;
    /// `bandBytes` caps each thread's buffers (tests make it small to run many bands).
    public func forward(_ ctx: ForwardContext, input: UnsafePointer<Float>, height: Int, width: Int, upsampled: Bool = false,
                        output: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                        algorithm: ConvolutionAlgorithm = .winograd, bandBytes: Int = Conv2D.bandBytes) {
        precondition(!upsampled || kernel == 3, "a fused upsample needs a 3×3 conv")
        let scale = upsampled ? 2 : 1
        let outH = height * scale, outW = width * scale, plane = outH * outW
        guard plane > 0 else { return }
        let w = UnsafePointer(ctx.store.value(weight)), b = UnsafePointer(ctx.store.value(bias))
        let (cin, cout) = (inChannels, outChannels)
        if kernel == 1 {
            // out[Cout, HW] (+)= b; out += W[Cout, Cin] · x[Cin, HW]
            for c in 0..<cout { Self.setRow(output + c * plane, count: plane, to: b[c], accumulate: accumulate) }
            ctx.gemm(m: cout, n: plane, k: cin, a: w, lda: cin, b: input, ldb: plane, transposeB: false,
                     c: output, ldc: plane, beta: 1)
            return
        }
        if algorithm == .winograd {
            winogradForward(ctx, input: input, height: height, width: width, upsampled: upsampled, output: output,
                             accumulate: accumulate, bandBytes: bandBytes)
            return
        }
        let depth = cin * 9  // K
        let threads = Parallel.threadCount
        let budget = min(bandBytes, (64 << 20) / max(1, threads))
        let bandRows = max(1, min(outH, budget / (4 * depth * outW)))
        let bands = (outH + bandRows - 1) / bandRows
        nonisolated(unsafe) let (input, output) = (input, output)
        let next = Atomic<Int>(0)
        let precision = ctx.precision
        Parallel.forEach(min(threads, bands)) { _ in
            let col = UnsafeMutablePointer<Float>.allocate(capacity: depth * bandRows * outW)  // [K, P]
            defer { col.deallocate() }
            while true {
                let band = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard band < bands else { break }
                let y0 = band * bandRows, rows = min(bandRows, outH - y0), pixels = rows * outW
                Self.im2col(input: input, channels: cin, height: height, width: width, upsampled: upsampled,
                            outWidth: outW, outHeight: outH, y0: y0, rows: rows, col: col)
                let out = output + y0 * outW
                for c in 0..<cout { Self.setRow(out + c * plane, count: pixels, to: b[c], accumulate: accumulate) }
                // out[Cout, P] (row stride Ho·Wo) += W[Cout, K] · col[K, P]
                sgemm(m: cout, n: pixels, k: depth, a: w, lda: depth, b: col, ldb: pixels, transposeB: false,
                      c: out, ldc: plane, beta: 1, precision: precision)
            }
        }
    }

    @inline(__always)
    static func setRow(_ row: UnsafeMutablePointer<Float>, count: Int, to value: Float, accumulate: Bool) {
        if accumulate {
            for i in 0..<count { row[i] += value }
        } else {
            row.update(repeating: value, count: count)
        }
    }

    /// Gathers the 3×3 neighbourhoods of output rows `y0 ..< y0+rows` into `col` [Cin·9, rows·Wo]:
    /// row `ci·9 + ky·3 + kx`, column `(y−y0)·Wo + x` holds input(ci, y+ky−1, x+kx−1), 0 outside.
    static func im2col(input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, upsampled: Bool,
                       outWidth: Int, outHeight: Int, y0: Int, rows: Int, col: UnsafeMutablePointer<Float>) {
        let pixels = rows * outWidth
        for ci in 0..<channels {
            let plane = input + ci * height * width
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let dst = col + (ci * 9 + ky * 3 + kx) * pixels
                    for r in 0..<rows {
                        let yy = y0 + r + ky - 1
                        let d = dst + r * outWidth
                        guard yy >= 0 && yy < outHeight else {
                            d.update(repeating: 0, count: outWidth)
                            continue
                        }
                        // x runs over 0..<Wo, source column x + kx − 1 (zero outside).
                        let lo = kx == 0 ? 1 : 0, hi = kx == 2 ? outWidth - 1 : outWidth
                        if kx == 0 { d[0] = 0 }
                        if kx == 2 { d[outWidth - 1] = 0 }
                        if upsampled {
                            let src = plane + (yy >> 1) * width
                            for x in lo..<hi { d[x] = src[(x + kx - 1) >> 1] }
                        } else {
                            let src = plane + yy * width + (kx - 1)
                            (d + lo).update(from: src + lo, count: hi - lo)
                        }
                    }
                }
            }
        }
    }

    /// `x` [B, Cin, H, W] → [B, Cout, Ho, Wo] (tests and small inputs).
    public func callAsFunction(_ ctx: ForwardContext, _ x: Tensor, upsampled: Bool = false,
                               algorithm: ConvolutionAlgorithm = .winograd, bandBytes: Int = Conv2D.bandBytes) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2D expects [B, \(inChannels), H, W], got \(x.shape)")
        let (batch, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let s = upsampled ? 2 : 1
        let inCount = inChannels * h * w, outCount = outChannels * h * w * s * s
        return Tensor(shape: [batch, outChannels, h * s, w * s]) { out in
            x.scalars.withUnsafeBufferPointer { px in
                for item in 0..<batch {
                    forward(ctx, input: px.baseAddress! + item * inCount, height: h, width: w, upsampled: upsampled,
                            output: out.baseAddress! + item * outCount, algorithm: algorithm, bandBytes: bandBytes)
                }
            }
        }
    }
}

/// Plain-loop convolution in double precision, stride 1, padding `k/2`: the test oracle for
/// `Conv2D`. `x` [B, Cin, H, W], `weight` [Cout, Cin, k, k], `bias` [Cout] → [B, Cout, H, W].
public func naiveConv2D(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
    let (batch, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, k) = (weight.shape[0], weight.shape[2])
    let pad = k / 2
    var out = Tensor(zeros: [batch, cout, h, w])
    for b in 0..<batch {
        for co in 0..<cout {
            for y in 0..<h {
                for xx in 0..<w {
                    var sum = Double(bias.scalars[co])
                    for ci in 0..<cin {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let sy = y + ky - pad, sx = xx + kx - pad
                                guard sy >= 0 && sy < h && sx >= 0 && sx < w else { continue }
                                sum += Double(x[b, ci, sy, sx]) * Double(weight[co, ci, ky, kx])
                            }
                        }
                    }
                    out[b, co, y, xx] = Float(sum)
                }
            }
        }
    }
    return out
}

/// Plain nearest-neighbour 2× enlargement `[B, C, H, W]` → `[B, C, 2H, 2W]` (`F.interpolate(
/// scale_factor=2, mode="nearest")`): with `naiveConv2D`, the oracle of the fused upsample.
public func naiveUpsampleNearest2x(_ x: Tensor) -> Tensor {
    let (batch, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var out = Tensor(zeros: [batch, c, 2 * h, 2 * w])
    for b in 0..<batch { for ch in 0..<c { for y in 0..<(2 * h) { for xx in 0..<(2 * w) {
        out[b, ch, y, xx] = x[b, ch, y / 2, xx / 2]
    } } } }
    return out
}
