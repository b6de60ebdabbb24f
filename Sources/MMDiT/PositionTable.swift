import Foundation
import FlowCore

/// diffusers' 2-D sin-cos table for a `side`×`side` grid (base size = side, interpolation 1):
/// half the channels encode the column, half the row, each as [sin | cos] with
/// ω_k = 1/10000^(k/(D/4)); the column half comes first. [1, side², D]
public func sincosPositionTable(side: Int, width d: Int) -> Tensor {
    let quarter = d / 4
    return Tensor(shape: [1, side * side, d]) { out in
        for row in 0..<side {
            for col in 0..<side {
                let base = (row * side + col) * d
                for (half, position) in [(0, Double(col)), (1, Double(row))] {
                    for k in 0..<quarter {
                        let omega = 1 / pow(10000, Double(k) / Double(quarter))
                        out[base + half * 2 * quarter + k] = Float(sin(position * omega))
                        out[base + half * 2 * quarter + quarter + k] = Float(cos(position * omega))
                    }
                }
            }
        }
    }
}
