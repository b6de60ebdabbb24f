import FlowCore
import Synchronization

// Legend (with Conv2D's): a tile is 2×2 output pixels, t the tiles of a band (tile rows × Tx
// tiles per row); k one of the 4×4 Winograd components (i, j), index 4i + j, and s its slot
// among the components a conv uses (all 16, or 9 with a fused upsample).
// U [16, Cout, Cin] transformed weights, V [S, Cin, t] transformed input tiles, M [S, Cout, t].

/// Winograd F(2×2, 3×3) (Lavin & Gray 2015) for `Conv2D`'s 3×3 case. Per 2×2 output tile and
/// pair of channels, `y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` with d the 4×4 input patch and
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
///
/// so the sum over input channels is 16 products `M_k[Cout, t] = U_k[Cout, Cin] · V_k[Cin, t]`,
/// 16 multiply-adds per tile and channel pair where im2col takes 36 (2.25× fewer).
///
/// With a fused nearest 2× upsample the tiles are those of the virtual enlarged input: tile
/// (ty, tx) reads enlarged rows 2ty−1 … 2ty+2, which are source rows ty−1, ty, ty, ty+1 (and the
/// same for columns). Two equal middle rows make row 2 of `Bᵀ d` zero (d₂ − d₁), so components
/// with i = 2 or j = 2 vanish and 9 products remain: 9 multiply-adds per 2×2 output pixels where
/// im2col on the enlarged map takes 36 (4× fewer). This beats the exact sub-pixel decomposition
/// (four 2×2 convs with summed weights: 16 per 2×2 output pixels) and needs no other code.
extension Conv2D {
    /// The components used with a fused upsample: i, j ∈ {0, 1, 3}.
    static let upsampledComponents = [0, 1, 3, 4, 5, 7, 12, 13, 15]

    /// `U[k][co][ci] = (G g Gᵀ)[i][j]` for every 3×3 kernel g = `weight[co][ci]`.
    static func winogradWeights(_ weight: UnsafePointer<Float>, outChannels cout: Int, inChannels cin: Int,
                                into u: UnsafeMutablePointer<Float>) {  // u: [16, Cout, Cin]
        nonisolated(unsafe) let u = u
        let pairs = cout * cin
        Parallel.forEachChunk(pairs, minChunk: 4096) { range in
            for p in range {
                let g = weight + p * 9
                // G·g [4, 3], then (G·g)·Gᵀ row by row.
                func row(_ t0: Float, _ t1: Float, _ t2: Float, _ i: Int) {
                    u[(4 * i) * pairs + p] = t0
                    u[(4 * i + 1) * pairs + p] = 0.5 * (t0 + t1 + t2)
                    u[(4 * i + 2) * pairs + p] = 0.5 * (t0 - t1 + t2)
                    u[(4 * i + 3) * pairs + p] = t2
                }
                row(g[0], g[1], g[2], 0)
                row(0.5 * (g[0] + g[3] + g[6]), 0.5 * (g[1] + g[4] + g[7]), 0.5 * (g[2] + g[5] + g[8]), 1)
                row(0.5 * (g[0] - g[3] + g[6]), 0.5 * (g[1] - g[4] + g[7]), 0.5 * (g[2] - g[5] + g[8]), 2)
                row(g[6], g[7], g[8], 3)
            }
        }
    }

    /// The 3×3 forward by Winograd F(2×2, 3×3) (see the extension's description): the weights are
    /// transformed at each call (a few ms for 512×512 channels, under 1% of the conv), then bands
    /// of tile rows are taken by the threads in turn, each thread transforming its band's input
    /// into V, making the S serial products into M and transforming M into the output, with bias
    /// (and `accumulate`). Each thread's V and M together take at most about `bandBytes`.
    func winogradForward(_ ctx: ForwardContext, input: UnsafePointer<Float>, height: Int, width: Int,
                         upsampled: Bool, output: UnsafeMutablePointer<Float>, accumulate: Bool, bandBytes: Int) {
        let (cin, cout) = (inChannels, outChannels)
        let scale = upsampled ? 2 : 1
        let outH = height * scale, outW = width * scale
        let tilesY = (outH + 1) / 2, tilesX = (outW + 1) / 2
        let components = upsampled ? Self.upsampledComponents : Array(0..<16)
        let slots = components.count  // S
        let u = FloatBuffer(uninitialized: 16 * cout * cin)  // [16, Cout, Cin]
        Self.winogradWeights(ctx.store.value(weight), outChannels: cout, inChannels: cin, into: u.p)
        let bias = UnsafePointer(ctx.store.value(bias))
        let threads = Parallel.threadCount
        let rowBytes = 4 * slots * (cin + cout) * tilesX  // V and M of one tile row
        let budget = min(bandBytes, (128 << 20) / max(1, threads))
        var bandRows = max(1, min(tilesY, budget / rowBytes))
        // Enough bands to keep every thread busy to the end (when the map allows).
        if threads > 1 { bandRows = max(1, min(bandRows, tilesY / (2 * threads))) }
        let bands = (tilesY + bandRows - 1) / bandRows
        nonisolated(unsafe) let (input, output) = (input, output)
        let next = Atomic<Int>(0)
        let precision = ctx.precision
        Parallel.forEach(min(threads, bands)) { _ in
            let capacity = bandRows * tilesX
            let v = UnsafeMutablePointer<Float>.allocate(capacity: slots * cin * capacity)  // [S, Cin, t]
            let m = UnsafeMutablePointer<Float>.allocate(capacity: slots * cout * capacity)  // [S, Cout, t]
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 8 * (2 * tilesX + 4))
            defer { v.deallocate(); m.deallocate(); scratch.deallocate() }
            while true {
                let band = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard band < bands else { break }
                let ty0 = band * bandRows, rows = min(bandRows, tilesY - ty0), tiles = rows * tilesX
                if upsampled {
                    Self.upsampledInputTiles(input, channels: cin, height: height, width: width, ty0: ty0, rows: rows,
                                             v: v, scratch: scratch)
                } else {
                    Self.inputTiles(input, channels: cin, height: height, width: width, tilesX: tilesX, ty0: ty0,
                                    rows: rows, v: v, scratch: scratch)
                }
                for (s, k) in components.enumerated() {
                    // M_k[Cout, t] = U_k[Cout, Cin] · V_k[Cin, t]
                    sgemm(m: cout, n: tiles, k: cin, a: u.p + k * cout * cin, lda: cin, b: v + s * cin * tiles, ldb: tiles,
                          transposeB: false, c: m + s * cout * tiles, ldc: tiles, precision: precision)
                }
                Self.outputTiles(m, channels: cout, tiles: tiles, upsampled: upsampled, bias: bias, outHeight: outH,
                                 outWidth: outW, tilesX: tilesX, ty0: ty0, rows: rows, output: output,
                                 accumulate: accumulate, scratch: scratch)
            }
        }
    }

    /// V[k][ci][t] = (Bᵀ d B)[i][j] for the 4×4 patch d at input rows 2ty−1 … 2ty+2 and columns
    /// 2tx−1 … 2tx+2 (zero outside) of tile t = (ty − ty0)·Tx + tx, over tile rows ty0 ..< ty0+rows.
    /// `scratch` holds 8 rows of 2·Tx + 4.
    static func inputTiles(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, tilesX: Int,
                           ty0: Int, rows: Int, v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let tiles = rows * tilesX
        let pw = 2 * tilesX + 4  // padded row: column c at index c + 1
        let d = scratch, e = scratch + 4 * pw  // d: 4 padded input rows; e: Bᵀ·d, 4 rows
        for ci in 0..<channels {
            let plane = input + ci * height * width
            for r in 0..<rows {
                let ty = ty0 + r
                for q in 0..<4 {
                    let row = d + q * pw, y = 2 * ty - 1 + q
                    row.update(repeating: 0, count: pw)
                    if y >= 0 && y < height { (row + 1).update(from: plane + y * width, count: width) }
                }
                let (d0, d1, d2, d3) = (d, d + pw, d + 2 * pw, d + 3 * pw)
                let (e0, e1, e2, e3) = (e, e + pw, e + 2 * pw, e + 3 * pw)
                for x in 0..<pw {
                    e0[x] = d0[x] - d2[x]
                    e1[x] = d1[x] + d2[x]
                    e2[x] = d2[x] - d1[x]
                    e3[x] = d1[x] - d3[x]
                }
                for i in 0..<4 {
                    let ei = e + i * pw
                    let out = v + ((4 * i) * channels + ci) * tiles + r * tilesX
                    let stride = channels * tiles  // between components
                    for tx in 0..<tilesX {
                        let a = ei[2 * tx], b = ei[2 * tx + 1], c = ei[2 * tx + 2], dd = ei[2 * tx + 3]
                        out[tx] = a - c
                        out[stride + tx] = b + c
                        out[2 * stride + tx] = c - b
                        out[3 * stride + tx] = b - dd
                    }
                }
            }
        }
    }

    /// The 9 nonzero components of the tiles of the input's virtual 2× enlargement: tile (ty, tx)
    /// (Tx = W) has rows s(ty−1), s(ty), s(ty), s(ty+1) of the source, so `Bᵀ d` has rows
    /// s(ty−1) − s(ty), 2·s(ty), 0, s(ty) − s(ty+1), and likewise along the columns.
    /// V [9, Cin, t] in the slot order of `upsampledComponents`.
    static func upsampledInputTiles(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                    ty0: Int, rows: Int, v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let tiles = rows * width
        let pw = width + 2  // padded source row: column c at index c + 1
        let d = scratch, e = scratch + 3 * pw  // d: source rows ty−1, ty, ty+1; e: the 3 nonzero rows of Bᵀ·d
        let stride = channels * tiles  // between slots
        for ci in 0..<channels {
            let plane = input + ci * height * width
            for r in 0..<rows {
                let ty = ty0 + r
                for q in 0..<3 {
                    let row = d + q * pw, y = ty - 1 + q
                    row.update(repeating: 0, count: pw)
                    if y >= 0 && y < height { (row + 1).update(from: plane + y * width, count: width) }
                }
                let (d0, d1, d2) = (d, d + pw, d + 2 * pw)
                let (e0, e1, e3) = (e, e + pw, e + 2 * pw)
                for x in 0..<pw {
                    e0[x] = d0[x] - d1[x]
                    e1[x] = 2 * d1[x]
                    e3[x] = d1[x] - d2[x]
                }
                for n in 0..<3 {
                    let ei = e + n * pw  // e0, e1, e3
                    let out = v + (3 * n * channels + ci) * tiles + r * width
                    for tx in 0..<width {
                        let a = ei[tx], b = ei[tx + 1], c = ei[tx + 2]
                        out[tx] = a - b
                        out[stride + tx] = 2 * b
                        out[2 * stride + tx] = b - c
                    }
                }
            }
        }
    }

    /// output rows 2ty, 2ty+1 (those < Ho) of tile rows ty0 ..< ty0+rows (=, or += when accumulate)
    /// `Aᵀ m A + bias` with m[k] = M[s][co][t]; components i = 2 or j = 2 absent when `upsampled`.
    static func outputTiles(_ m: UnsafePointer<Float>, channels: Int, tiles: Int, upsampled: Bool,
                            bias: UnsafePointer<Float>, outHeight: Int, outWidth: Int, tilesX: Int, ty0: Int,
                            rows: Int, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                            scratch: UnsafeMutablePointer<Float>) {
        let stride = channels * tiles  // between slots
        let y0 = scratch, y1 = scratch + 2 * tilesX  // two output rows of 2·Tx
        for co in 0..<channels {
            let b = bias[co]
            for r in 0..<rows {
                let mk = m + co * tiles + r * tilesX
                if upsampled {
                    for tx in 0..<tilesX {
                        let m00 = mk[tx], m01 = mk[stride + tx], m03 = mk[2 * stride + tx]
                        let m10 = mk[3 * stride + tx], m11 = mk[4 * stride + tx], m13 = mk[5 * stride + tx]
                        let m30 = mk[6 * stride + tx], m31 = mk[7 * stride + tx], m33 = mk[8 * stride + tx]
                        // Aᵀ m: rows m0· + m1· and m1· − m3·; then the same along the columns.
                        let r00 = m00 + m10, r01 = m01 + m11, r03 = m03 + m13
                        let r10 = m10 - m30, r11 = m11 - m31, r13 = m13 - m33
                        y0[2 * tx] = r00 + r01
                        y0[2 * tx + 1] = r01 - r03
                        y1[2 * tx] = r10 + r11
                        y1[2 * tx + 1] = r11 - r13
                    }
                } else {
                    for tx in 0..<tilesX {
                        let m00 = mk[tx], m01 = mk[stride + tx], m02 = mk[2 * stride + tx], m03 = mk[3 * stride + tx]
                        let m10 = mk[4 * stride + tx], m11 = mk[5 * stride + tx], m12 = mk[6 * stride + tx], m13 = mk[7 * stride + tx]
                        let m20 = mk[8 * stride + tx], m21 = mk[9 * stride + tx], m22 = mk[10 * stride + tx], m23 = mk[11 * stride + tx]
                        let m30 = mk[12 * stride + tx], m31 = mk[13 * stride + tx], m32 = mk[14 * stride + tx], m33 = mk[15 * stride + tx]
                        // Aᵀ m: rows m0· + m1· + m2· and m1· − m2· − m3·; then the same along the columns.
                        let r00 = m00 + m10 + m20, r01 = m01 + m11 + m21, r02 = m02 + m12 + m22, r03 = m03 + m13 + m23
                        let r10 = m10 - m20 - m30, r11 = m11 - m21 - m31, r12 = m12 - m22 - m32, r13 = m13 - m23 - m33
                        y0[2 * tx] = r00 + r01 + r02
                        y0[2 * tx + 1] = r01 - r02 - r03
                        y1[2 * tx] = r10 + r11 + r12
                        y1[2 * tx + 1] = r11 - r12 - r13
                    }
                }
                let oy = 2 * (ty0 + r)
                for dy in 0..<min(2, outHeight - oy) {
                    let src = dy == 0 ? y0 : y1
                    let dst = output + (co * outHeight + oy + dy) * outWidth
                    if accumulate {
                        for x in 0..<outWidth { dst[x] += src[x] + b }
                    } else {
                        for x in 0..<outWidth { dst[x] = src[x] + b }
                    }
                }
            }
        }
    }
}
