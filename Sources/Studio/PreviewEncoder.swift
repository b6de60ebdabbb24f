import Foundation
import Imaging

/// Encodes previews (sixel or half blocks) on its own thread so neither the UI nor the sampler
/// waits for it. Requests are "latest wins": a request not yet started is replaced by a newer
/// one, so a slow terminal never makes frames pile up.
final class PreviewEncoder: Sendable {
    private let thread: LatestJobThread<PreviewRequest>

    init(mailbox: Mailbox, sixel: SixelEncoder) {
        thread = LatestJobThread(name: "flowstudio-preview") { request, _ in
            let rendered = TerminalImage.render(request.image, protocol: request.previewProtocol, columns: request.columns,
                                                rows: request.rows, cellPixels: (request.cellWidth, request.cellHeight),
                                                sixel: sixel)
            mailbox.post(PreviewRendering(request: request, rendered: rendered))
        }
    }

    func launch() { thread.launch() }

    func submit(_ request: PreviewRequest) { thread.submit(request) }

    func stop() { thread.stop() }
}
