import FlowCore

/// A linear layer's parameters in a `ParameterSet`.
struct LinearParameters {
    let weight: Int
    let bias: Int?
    let inFeatures: Int
    let outFeatures: Int

    /// `weightShape` overrides the stored shape of the weight (a stride-p convolution stores
    /// [out, C, p, p]); it must hold out·in elements.
    init(_ params: ParameterSet, _ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true,
         weightShape: [Int]? = nil) {
        weight = params.declare(prefix + ".weight", weightShape ?? [outFeatures, inFeatures])
        self.bias = bias ? params.declare(prefix + ".bias", [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// `y[rows, out] (stride ldy) = x[rows, in] (stride ldx)·Wᵀ + b`.
    func forward(_ params: ParameterSet, rows: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int) {
        if let bias {
            let b = params.value(bias)
            for r in 0..<rows { (y + r * ldy).update(from: b, count: outFeatures) }
        }
        sgemm(m: rows, n: outFeatures, k: inFeatures, a: x, lda: ldx, b: params.value(weight), ldb: inFeatures,
              transposeB: true, c: y, ldc: ldy, beta: bias == nil ? 0 : 1)
    }

    /// Accumulates dW, db; writes (or adds to) dx when given.
    func backward(_ params: ParameterSet, rows: Int, x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int,
                  dx: UnsafeMutablePointer<Float>?, lddx: Int, accumulate: Bool = false) {
        linearBackward(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, x: x, ldx: ldx,
                       weight: params.value(weight), dy: dy, ldy: ldy, dx: dx, lddx: lddx, accumulateInput: accumulate,
                       dWeight: params.grad(weight), dBias: bias.map { params.grad($0) })
    }
}

/// The feed-forward Linear(D, 4D) → GELU-tanh → Linear(4D, D) with its saved activations.
struct FeedForwardParameters {
    let up: LinearParameters, down: LinearParameters

    init(_ params: ParameterSet, _ prefix: String, width: Int, hidden: Int, upName: String, downName: String) {
        up = LinearParameters(params, prefix + upName, in: width, out: hidden)
        down = LinearParameters(params, prefix + downName, in: hidden, out: width)
    }

    final class Tape {
        let pre: Buffer, act: Buffer, out: Buffer  // [rows, 4D], [rows, 4D], [rows, D]
        init(rows: Int, width: Int, hidden: Int) {
            pre = Buffer(rows * hidden); act = Buffer(rows * hidden); out = Buffer(rows * width)
        }
    }

    /// `tape.out = down(gelu(up(x)))`.
    func forward(_ params: ParameterSet, rows: Int, x: UnsafePointer<Float>, tape: Tape) {
        up.forward(params, rows: rows, x: x, ldx: up.inFeatures, y: tape.pre.p, ldy: up.outFeatures)
        tape.act.p.update(from: tape.pre.p, count: tape.pre.count)
        geluTanhInPlace(tape.act.p, count: tape.act.count)
        down.forward(params, rows: rows, x: tape.act.p, ldx: down.inFeatures, y: tape.out.p, ldy: down.outFeatures)
    }

    /// From d(out) [rows, D], writes dx [rows, D].
    func backward(_ params: ParameterSet, rows: Int, x: UnsafePointer<Float>, tape: Tape, dOut: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>) {
        let dHidden = Buffer(rows * up.outFeatures)
        down.backward(params, rows: rows, x: tape.act.p, ldx: down.inFeatures, dy: dOut, ldy: down.outFeatures,
                      dx: dHidden.p, lddx: down.inFeatures)
        geluTanhBackward(dy: dHidden.p, u: tape.pre.p, dx: dHidden.p, count: dHidden.count)
        up.backward(params, rows: rows, x: x, ldx: up.inFeatures, dy: dHidden.p, ldy: up.outFeatures, dx: dx, lddx: up.inFeatures)
    }
}
