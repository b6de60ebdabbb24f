

// Legend: R rows (tokens over the whole batch), D width, F hidden width (4D).

/// The feed-forward of a stream: Linear(D, F) → GELU (tanh) → Linear(F, D)
/// (`ff.net.0.proj` / `ff.net.2` in the MM-DiT, `mlp.up` / `mlp.down` in the demo text encoder).
public struct FeedForward: Sendable {
    public let up: Linear, down: Linear

    public init(_ store: ParameterStore, _ prefix: String, width: Int, hidden: Int,
                upName: String = ".net.0.proj", downName: String = ".net.2") {
        up = Linear(store, prefix + upName, in: width, out: hidden)
        down = Linear(store, prefix + downName, in: hidden, out: width)
    }

    /// What backward needs: the pre-activation and the activation.
    public final class Tape {
        public let pre: FloatBuffer, act: FloatBuffer  // [R, F], [R, F]
        public init(rows: Int, hidden: Int) {
            pre = FloatBuffer(uninitialized: rows * hidden); act = FloatBuffer(uninitialized: rows * hidden)
        }
    }

    /// `out` [R, D] = down(gelu(up(x))) for `x` [R, D]. With a tape, keeps the hidden states.
    public func forward(_ ctx: ForwardContext, rows: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, tape: Tape?) {
        let pre = tape?.pre ?? FloatBuffer(uninitialized: rows * up.outFeatures)        // [R, F]
        up.forward(ctx, rows: rows, x: x, ldx: up.inFeatures, y: pre.p, ldy: up.outFeatures)
        let act = tape?.act ?? pre                                                      // [R, F]
        if let tape { tape.act.p.update(from: tape.pre.p, count: rows * up.outFeatures) }
        geluTanhInPlace(act.p, count: rows * up.outFeatures)
        down.forward(ctx, rows: rows, x: act.p, ldx: down.inFeatures, y: out, ldy: down.outFeatures)
    }

    /// From d(out) [R, D], accumulates the weights' gradients and writes (or adds to) dx [R, D].
    public func backward(_ ctx: ForwardContext, rows: Int, x: UnsafePointer<Float>, tape: Tape, dOut: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let dHidden = FloatBuffer(uninitialized: rows * up.outFeatures)                 // [R, F]
        down.backward(ctx, rows: rows, x: tape.act.p, ldx: down.inFeatures, dy: dOut, ldy: down.outFeatures,
                      dx: dHidden.p, lddx: down.inFeatures)
        geluTanhBackward(dy: dHidden.p, u: tape.pre.p, dx: dHidden.p, count: dHidden.count)
        up.backward(ctx, rows: rows, x: x, ldx: up.inFeatures, dy: dHidden.p, ldy: up.outFeatures, dx: dx,
                    lddx: up.inFeatures, accumulate: accumulate)
    }
}
