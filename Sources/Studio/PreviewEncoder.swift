import CNcurses
import Foundation
import Imaging

/// Encodes previews (sixel or half blocks) on its own thread so neither the UI nor the sampler
/// waits for it. Requests are "latest wins": a request not yet started is replaced by a newer
/// one, so a slow terminal never makes frames pile up.
final class PreviewEncoder: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: PreviewRequest?
    private var stopped = false
    private let mailbox: Mailbox
    private let sixel: SixelEncoder

    init(mailbox: Mailbox, sixel: SixelEncoder) {
        self.mailbox = mailbox
        self.sixel = sixel
    }

    func launch() {
        let thread = Thread { [self] in
            cn_block_sigwinch()
            loop()
        }
        thread.name = "flowstudio-preview"
        thread.start()
    }

    func submit(_ request: PreviewRequest) {
        condition.lock()
        pending = request
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending == nil && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            let request = pending!
            pending = nil
            condition.unlock()
            let rendered = TerminalImage.render(request.image, protocol: request.previewProtocol, columns: request.columns,
                                                rows: request.rows, cellPixels: (request.cellWidth, request.cellHeight),
                                                sixel: sixel)
            mailbox.post(PreviewRendering(request: request, rendered: rendered))
        }
    }
}
