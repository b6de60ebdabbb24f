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
    /// transformed at each call (1.2% of the cycles of a 512² SD3 decode; keeping U
    /// would hold 16/9 of the 3×3 weights, ≈ 340 MB more for SD3, and go stale if they change), then bands
    /// of tile rows are taken by the threads in turn, each thread transforming its band's input
    /// into V, making the S serial products into M and transforming M into the output, with bias
    /// (and `accumulate`). Each thread's V and M together take at most about 2·`bandBytes`.
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
        // 16 MB per thread: fewer packings of each U_k by OpenBLAS than with 8 (4–7% faster), no gain beyond.
        let budget = min(2 * bandBytes, (256 << 20) / max(1, threads))
        var bandRows = max(1, min(tilesY, budget / rowBytes))
        // Enough bands to keep every thread busy to the end (when the map allows).
        if threads > 1 { bandRows = max(1, min(bandRows, tilesY / (2 * threads))) }
        let bands = (tilesY + bandRows - 1) / bandRows
        nonisolated(unsafe) let (input, output) = (input, output)
        let next = Atomic<Int>(0)
        let precision = ctx.precision
        let lane = Self.scratchRow(tilesX)
        Parallel.forEach(min(threads, bands)) { _ in
            let capacity = bandRows * tilesX
            // V and M slots are Cin·t (Cout·t) apart plus 8 floats: a transform's last vector of a
            // row may run past it (into rows written later, or this gap), and M is read 8 past its end.
            let v = UnsafeMutablePointer<Float>.allocate(capacity: slots * (cin * capacity + 8))  // [S, Cin, t]
            let m = UnsafeMutablePointer<Float>.allocate(capacity: slots * cout * capacity + 8)  // [S, Cout, t]
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 16 * lane)
            defer { v.deallocate(); m.deallocate(); scratch.deallocate() }
            while true {
                let band = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard band < bands else { break }
                let ty0 = band * bandRows, rows = min(bandRows, tilesY - ty0), tiles = rows * tilesX
                let vStride = cin * tiles + 8
                if upsampled {
                    Self.upsampledInputTiles(input, channels: cin, height: height, width: width, ty0: ty0, rows: rows,
                                             v: v, slotStride: vStride, scratch: scratch)
                } else {
                    Self.inputTiles(input, channels: cin, height: height, width: width, tilesX: tilesX, ty0: ty0,
                                    rows: rows, v: v, slotStride: vStride, scratch: scratch)
                }
                for (s, k) in components.enumerated() {
                    // M_k[Cout, t] = U_k[Cout, Cin] · V_k[Cin, t]
                    sgemm(m: cout, n: tiles, k: cin, a: u.p + k * cout * cin, lda: cin, b: v + s * vStride, ldb: tiles,
                          transposeB: false, c: m + s * cout * tiles, ldc: tiles, precision: precision)
                }
                Self.outputTiles(m, channels: cout, tiles: tiles, upsampled: upsampled, bias: bias, outHeight: outH,
                                 outWidth: outW, tilesX: tilesX, ty0: ty0, rows: rows, output: output,
                                 accumulate: accumulate, scratch: scratch)
            }
        }
    }

    /// The length of a scratch row for `n` tiles across: whole vectors of 8 and room to read 2 past them.
    static func scratchRow(_ n: Int) -> Int { (n / 8 + 3) * 8 }

    @inline(__always) static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func store8(_ x: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<Float>.self)
    }

    /// V[s = k][ci][t] = (Bᵀ d B)[i][j] for the 4×4 patch d at input rows 2ty−1 … 2ty+2 and
    /// columns 2tx−1 … 2tx+2 (zero outside) of tile t = (ty − ty0)·Tx + tx, over tile rows
    /// ty0 ..< ty0+rows; slots `slotStride` apart. The patch's columns are kept split into even
    /// and odd ones (ev[j] = column 2j−1, od[j] = column 2j), so that tile tx reads ev[tx],
    /// od[tx], ev[tx+1], od[tx+1]: contiguous vectors. `scratch` holds 16 `scratchRow(Tx)`.
    static func inputTiles(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, tilesX: Int,
                           ty0: Int, rows: Int, v: UnsafeMutablePointer<Float>, slotStride: Int,
                           scratch: UnsafeMutablePointer<Float>) {
        let tiles = rows * tilesX
        let lane = scratchRow(tilesX)
        let evens = width / 2, odds = (width + 1) / 2  // columns 1, 3, … (ev[1...]) and 0, 2, … (od)
        // ev, od of the 4 patch rows, then of the 4 rows of Bᵀ·d.
        let d = scratch, e = scratch + 8 * lane
        for ci in 0..<channels {
            let plane = input + ci * height * width
            for r in 0..<rows {
                let ty = ty0 + r
                for q in 0..<4 {
                    let ev = d + 2 * q * lane, od = ev + lane, y = 2 * ty - 1 + q
                    ev.update(repeating: 0, count: 2 * lane)
                    guard y >= 0 && y < height else { continue }
                    let row = plane + y * width
                    for j in 0..<evens { ev[j &+ 1] = row[2 &* j &+ 1] }
                    for j in 0..<odds { od[j] = row[2 &* j] }
                }
                // Bᵀ·d, on the even and odd columns alike (2·lane floats per row).
                let (d0, d1, d2, d3) = (d, d + 2 * lane, d + 4 * lane, d + 6 * lane)
                let (e0, e1, e2, e3) = (e, e + 2 * lane, e + 4 * lane, e + 6 * lane)
                for x in stride(from: 0, to: 2 * lane, by: 8) {
                    let a = load8(d0 + x), b = load8(d1 + x), c = load8(d2 + x), dd = load8(d3 + x)
                    store8(a - c, e0 + x)
                    store8(b + c, e1 + x)
                    store8(c - b, e2 + x)
                    store8(b - dd, e3 + x)
                }
                // (Bᵀ·d)·B along the columns.
                for i in 0..<4 {
                    let ev = e + 2 * i * lane, od = ev + lane
                    let out = v + 4 * i * slotStride + ci * tiles + r * tilesX
                    for tx in stride(from: 0, to: tilesX, by: 8) {
                        let a = load8(ev + tx), b = load8(od + tx), c = load8(ev + tx + 1), dd = load8(od + tx + 1)
                        store8(a - c, out + tx)
                        store8(b + c, out + slotStride + tx)
                        store8(c - b, out + 2 * slotStride + tx)
                        store8(b - dd, out + 3 * slotStride + tx)
                    }
                }
            }
        }
    }

    /// The 9 nonzero components of the tiles of the input's virtual 2× enlargement: tile (ty, tx)
    /// (Tx = W) has rows s(ty−1), s(ty), s(ty), s(ty+1) of the source, so `Bᵀ d` has rows
    /// s(ty−1) − s(ty), 2·s(ty), 0, s(ty) − s(ty+1), and likewise along the columns.
    /// V [9, Cin, t] in the slot order of `upsampledComponents`, slots `slotStride` apart.
    static func upsampledInputTiles(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                    ty0: Int, rows: Int, v: UnsafeMutablePointer<Float>, slotStride: Int,
                                    scratch: UnsafeMutablePointer<Float>) {
        let tiles = rows * width
        let lane = scratchRow(width)  // padded source row: column c at index c + 1
        let d = scratch, e = scratch + 3 * lane  // d: source rows ty−1, ty, ty+1; e: the 3 nonzero rows of Bᵀ·d
        for ci in 0..<channels {
            let plane = input + ci * height * width
            for r in 0..<rows {
                let ty = ty0 + r
                for q in 0..<3 {
                    let row = d + q * lane, y = ty - 1 + q
                    row.update(repeating: 0, count: lane)
                    if y >= 0 && y < height { (row + 1).update(from: plane + y * width, count: width) }
                }
                let (d0, d1, d2) = (d, d + lane, d + 2 * lane)
                let (e0, e1, e3) = (e, e + lane, e + 2 * lane)
                for x in stride(from: 0, to: lane, by: 8) {
                    let a = load8(d0 + x), b = load8(d1 + x), c = load8(d2 + x)
                    store8(a - b, e0 + x)
                    store8(b + b, e1 + x)
                    store8(b - c, e3 + x)
                }
                for n in 0..<3 {
                    let ei = e + n * lane  // e0, e1, e3
                    let out = v + 3 * n * slotStride + ci * tiles + r * width
                    for tx in stride(from: 0, to: width, by: 8) {
                        let a = load8(ei + tx), b = load8(ei + tx + 1), c = load8(ei + tx + 2)
                        store8(a - b, out + tx)
                        store8(b + b, out + slotStride + tx)
                        store8(b - c, out + 2 * slotStride + tx)
                    }
                }
            }
        }
    }

    /// output rows 2ty, 2ty+1 (those < Ho) of tile rows ty0 ..< ty0+rows (=, or += when accumulate)
    /// `Aᵀ m A + bias` with m[k] = M[s][co][t] (slots Cout·t apart, readable 8 floats past the
    /// end); components i = 2 or j = 2 absent when `upsampled`. `scratch` holds 4 `scratchRow(Tx)`.
    static func outputTiles(_ m: UnsafePointer<Float>, channels: Int, tiles: Int, upsampled: Bool,
                            bias: UnsafePointer<Float>, outHeight: Int, outWidth: Int, tilesX: Int, ty0: Int,
                            rows: Int, output: UnsafeMutablePointer<Float>, accumulate: Bool,
                            scratch: UnsafeMutablePointer<Float>) {
        let stride = channels * tiles  // between slots
        let lane = scratchRow(tilesX)
        // y[2i + j] [Tx]: output pixel (2ty + i, 2tx + j) of each tile of the row.
        let y00 = scratch, y01 = scratch + lane, y10 = scratch + 2 * lane, y11 = scratch + 3 * lane
        let pairs = outWidth / 2
        for co in 0..<channels {
            let b = bias[co]
            for r in 0..<rows {
                let mk = m + co * tiles + r * tilesX
                @inline(__always) func ld(_ s: Int, _ tx: Int) -> SIMD8<Float> { load8(mk + s * stride + tx) }
                if upsampled {
                    for tx in Swift.stride(from: 0, to: tilesX, by: 8) {
                        // Aᵀ m: rows m0· + m1· and m1· − m3·; then the same along the columns.
                        let (m10, m11, m13) = (ld(3, tx), ld(4, tx), ld(5, tx))
                        let r00 = ld(0, tx) + m10, r01 = ld(1, tx) + m11, r03 = ld(2, tx) + m13
                        let r10 = m10 - ld(6, tx), r11 = m11 - ld(7, tx), r13 = m13 - ld(8, tx)
                        store8(r00 + r01, y00 + tx)
                        store8(r01 - r03, y01 + tx)
                        store8(r10 + r11, y10 + tx)
                        store8(r11 - r13, y11 + tx)
                    }
                } else {
                    for tx in Swift.stride(from: 0, to: tilesX, by: 8) {
                        // Aᵀ m: rows m0· + m1· + m2· and m1· − m2· − m3·; then the same along the columns.
                        let (m10, m11, m12, m13) = (ld(4, tx), ld(5, tx), ld(6, tx), ld(7, tx))
                        let (m20, m21, m22, m23) = (ld(8, tx), ld(9, tx), ld(10, tx), ld(11, tx))
                        let r00 = ld(0, tx) + m10 + m20, r01 = ld(1, tx) + m11 + m21
                        let r02 = ld(2, tx) + m12 + m22, r03 = ld(3, tx) + m13 + m23
                        let r10 = m10 - m20 - ld(12, tx), r11 = m11 - m21 - ld(13, tx)
                        let r12 = m12 - m22 - ld(14, tx), r13 = m13 - m23 - ld(15, tx)
                        store8(r00 + r01 + r02, y00 + tx)
                        store8(r01 - r02 - r03, y01 + tx)
                        store8(r10 + r11 + r12, y10 + tx)
                        store8(r11 - r12 - r13, y11 + tx)
                    }
                }
                let oy = 2 * (ty0 + r)
                for dy in 0..<min(2, outHeight - oy) {
                    let (left, right) = dy == 0 ? (y00, y01) : (y10, y11)
                    let dst = output + (co * outHeight + oy + dy) * outWidth
                    if accumulate {
                        for tx in 0..<pairs {
                            dst[2 &* tx] += left[tx] + b
                            dst[2 &* tx &+ 1] += right[tx] + b
                        }
                        if outWidth & 1 == 1 { dst[outWidth - 1] += left[pairs] + b }
                    } else {
                        for tx in 0..<pairs {
                            dst[2 &* tx] = left[tx] + b
                            dst[2 &* tx &+ 1] = right[tx] + b
                        }
                        if outWidth & 1 == 1 { dst[outWidth - 1] = left[pairs] + b }
                    }
                }
            }
        }
    }
}
