import FlowCore

extension VAEDecoder {
    /// diffusers' tile sizes for this VAE: `tile_sample_min_size` = `sample_size` (1024 for SD3),
    /// `tile_latent_min_size` = sample_size / 2^(levels−1) (128), overlap factor 0.25.
    public var tileSampleSize: Int { config.sampleSize }
    public var tileLatentSize: Int { max(1, config.sampleSize / config.upscale) }
    public static let tileOverlapFactor = 0.25

    /// The most activation memory an untiled decode may take under `.automatic` tiling.
    public static let untiledMemoryBudget = 4_000_000_000

    /// Whether `decode` tiles a latent of `latentHeight × latentWidth`.
    public func shouldTile(latentHeight: Int, latentWidth: Int, tiling: VAETiling) -> Bool {
        let largerThanATile = latentHeight > tileLatentSize || latentWidth > tileLatentSize
        switch tiling {
        case .untiled: return false
        case .tiled: return largerThanATile
        case .automatic:
            return largerThanATile && activationBytes(latentHeight: latentHeight, latentWidth: latentWidth) > Self.untiledMemoryBudget
        }
    }

    /// diffusers' `AutoencoderKL.tiled_decode` for one latent `[C, h, w]` → `[3, H, W]`:
    /// latent tiles of `tileLatentSize` every `tileLatentSize·(1−0.25)`, each decoded alone, each
    /// blended into the (already blended) tile above and to its left over `tileSampleSize·0.25`
    /// picture rows/columns, then cropped to `tileSampleSize − blend`. Only two rows of decoded
    /// tiles are held at once.
    func tiledForward(_ z: FeatureMap) -> Tensor {  // [1, 3, H, W]
        let tileLatent = tileLatentSize
        let overlap = Int(Double(tileLatent) * (1 - Self.tileOverlapFactor))
        let blendExtent = Int(Double(tileSampleSize) * Self.tileOverlapFactor)
        let rowLimit = tileSampleSize - blendExtent
        let starts = { (n: Int) in Array(stride(from: 0, to: n, by: max(1, overlap))) }
        let rowStarts = starts(z.height), columnStarts = starts(z.width)
        let scale = config.upscale, channels = config.outChannels
        // The output size: the crops' sizes added up (8h × 8w when the tiles line up, as in diffusers).
        let cropSize = { (start: Int, n: Int) in min(rowLimit, min(tileLatent, n - start) * scale) }
        let outH = rowStarts.map { cropSize($0, z.height) }.reduce(0, +)
        let outW = columnStarts.map { cropSize($0, z.width) }.reduce(0, +)
        var output = Tensor(zeros: [channels, outH, outW])  // [3, H, W]
        var previousRow: [Tile] = []
        var y = 0
        for i0 in rowStarts {
            var row: [Tile] = []
            var x = 0
            for (j, j0) in columnStarts.enumerated() {
                let th = min(tileLatent, z.height - i0), tw = min(tileLatent, z.width - j0)
                let latentTile = FeatureMap(uninitializedChannels: z.channels, height: th, width: tw)  // [C, th, tw]
                for c in 0..<z.channels {
                    for r in 0..<th {
                        (latentTile.pointer + (c * th + r) * tw)
                            .update(from: z.pointer + (c * z.height + i0 + r) * z.width + j0, count: tw)
                    }
                }
                var tile = Tile(forward(latentTile))
                if !previousRow.isEmpty { tile.blendVertically(from: previousRow[j], extent: blendExtent) }
                if j > 0 { tile.blendHorizontally(from: row[j - 1], extent: blendExtent) }
                let ch = min(rowLimit, tile.height), cw = min(rowLimit, tile.width)
                tile.copy(rows: ch, columns: cw, into: &output, top: y, left: x)
                x += cw
                row.append(tile)
            }
            y += min(rowLimit, row.first?.height ?? 0)
            previousRow = row
        }
        return output.reshaped([1, channels, outH, outW])
    }
}

/// One decoded tile `[C, H, W]` during tiled decoding.
struct Tile {
    var map: FeatureMap
    var height: Int { map.height }
    var width: Int { map.width }
    init(_ map: FeatureMap) { self.map = map }

    /// diffusers' `blend_v(a, b, extent)`: the first `e` rows of this tile become
    /// `a[−e + y]·(1 − y/e) + b[y]·(y/e)`, e = min(a's height, this height, extent).
    mutating func blendVertically(from a: Tile, extent: Int) {
        let e = min(a.height, height, extent)
        guard e > 0 else { return }
        let w = width, aw = a.width
        precondition(aw == w, "tiles of one column have one width")
        for c in 0..<map.channels {
            for y in 0..<e {
                let (wa, wb) = (Float(1 - Double(y) / Double(e)), Float(Double(y) / Double(e)))
                let src = a.map.pointer + (c * a.height + a.height - e + y) * aw, dst = map.pointer + (c * height + y) * w
                for x in 0..<w { dst[x] = src[x] * wa + dst[x] * wb }
            }
        }
    }

    /// diffusers' `blend_h(a, b, extent)`: the first `e` columns, likewise.
    mutating func blendHorizontally(from a: Tile, extent: Int) {
        let e = min(a.width, width, extent)
        guard e > 0 else { return }
        precondition(a.height == height, "tiles of one row have one height")
        for c in 0..<map.channels {
            for y in 0..<height {
                let src = a.map.pointer + (c * height + y) * a.width + a.width - e, dst = map.pointer + (c * height + y) * width
                for x in 0..<e {
                    let (wa, wb) = (Float(1 - Double(x) / Double(e)), Float(Double(x) / Double(e)))
                    dst[x] = src[x] * wa + dst[x] * wb
                }
            }
        }
    }

    /// Copies the top-left `rows × columns` into `output` [C, H, W] at (top, left).
    func copy(rows: Int, columns: Int, into output: inout Tensor, top: Int, left: Int) {
        let (outH, outW) = (output.shape[1], output.shape[2])
        output.scalars.withUnsafeMutableBufferPointer { o in
            for c in 0..<map.channels {
                for r in 0..<rows {
                    (o.baseAddress! + (c * outH + top + r) * outW + left)
                        .update(from: map.pointer + (c * height + r) * width, count: columns)
                }
            }
        }
    }
}
