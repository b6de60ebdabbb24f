import FlowCore
import Foundation
import Generation
import Imaging

/// What the generation worker reports about run `run`.
public struct WorkerEvent: Sendable {
    public let run: Int
    public let kind: Kind

    public enum Kind: Sendable {
        case step(GenerationProgress)
        case finished(GenerationResult)
        case cancelled(stepsDone: Int)
        case failed(String)
    }

    public init(run: Int, kind: Kind) {
        self.run = run
        self.kind = kind
    }
}

/// A preview encoded for the pane, tagged with what it shows and the box it was fitted to.
public struct PreviewRendering: Sendable {
    public let request: PreviewRequest
    public let rendered: TerminalImage.Rendered
}

/// What to encode: the image, its key, and the box and protocol to fit it to.
public struct PreviewRequest: Sendable {
    public let key: String
    public let image: FlowCore.RGBImage
    public let previewProtocol: PreviewProtocol
    public let columns: Int
    public let rows: Int
    public let cellWidth: Int
    public let cellHeight: Int

    /// Everything but the pixels: two requests with the same identity give the same output.
    public var identity: String {
        "\(key)|\(previewProtocol)|\(columns)x\(rows)|\(cellWidth)x\(cellHeight)"
    }
}

/// Where the worker, the model loader and the encoder leave results for the UI thread: step,
/// end-of-run and model-load events queue up in order (the UI stores every step for
/// scrubbing), previews are "latest wins" (an encoded frame nobody drew yet is replaced by a
/// newer one). Each post wakes the UI.
final class Mailbox: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var events: [StudioEvent] = []
    private var preview: PreviewRendering?
    private let wake: @Sendable () -> Void

    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    func post(_ event: WorkerEvent) { post(.worker(event)) }

    /// Queues a worker or model-loader event.
    func post(_ event: StudioEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
        wake()
    }

    func post(_ rendering: PreviewRendering) {
        lock.lock()
        preview = rendering
        lock.unlock()
        wake()
    }

    /// Everything posted since the last call.
    func take() -> (events: [StudioEvent], preview: PreviewRendering?) {
        lock.lock()
        defer { lock.unlock() }
        let out = (events, preview)
        events = []
        preview = nil
        return out
    }
}
