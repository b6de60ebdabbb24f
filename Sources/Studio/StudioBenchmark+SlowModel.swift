import FlowCore
import Foundation
import Generation
import Imaging

/// The issue-20 target "the studio stays responsive (keys answered within 50 ms) while a step
/// takes tens of seconds": keys typed into the prompt while a slow model (SD3 at full size)
/// samples, each timed from the key to the first frame that shows it.
extension StudioBenchmark {
    /// One slow-model measurement.
    public struct SlowModelReport: Sendable, CustomStringConvertible {
        public var configuration = ""
        /// Key → frame, for each key typed while the run was going.
        public var keystrokeLatenciesMs: [Double] = []
        /// Keys whose frame never came (within 5 s).
        public var keysLost = 0
        /// Steps the run reported while keys were typed, and the seconds they took.
        public var steps = 0
        public var stepSeconds: [Double] = []
        /// From Enter to the last key typed.
        public var seconds = 0.0
        /// The status line and the progress line when the typing stopped (how the run ended).
        public var finalStatus = ""

        public var description: String {
            let sorted = keystrokeLatenciesMs.sorted()
            func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            let steps = stepSeconds.sorted()
            let stepText = steps.count <= 8 ? stepSeconds.map { String(format: "%.2f", $0) }.joined(separator: ", ") + " s"
                : String(format: "median %.3f s, max %.3f s", steps[steps.count / 2], steps.last ?? 0)
            return """
            configuration: \(configuration)
            keystroke → screen while sampling (\(sorted.count) keys over \(String(format: "%.1f", seconds)) s, \(keysLost) never shown): \
            median \(String(format: "%.2f", pct(0.5))) ms, p95 \(String(format: "%.2f", pct(0.95))) ms, \
            max \(String(format: "%.2f", sorted.last ?? 0)) ms (target < 50 ms)
            steps while typing: \(self.steps) (\(steps.isEmpty ? "none finished" : stepText))
            at the end: \(finalStatus)
            """
        }
    }

    /// Types a key every `interval` seconds into the prompt while `generator` runs `settings`,
    /// from the moment the run starts until it ends (the last step reported and the image made)
    /// or `maximumKeys` keys; live re-generation is off so that the keys do not restart it.
    /// Words of `wordLength` letters are typed and cleared with Ctrl-U (the clearing is not
    /// timed), so every key changes the prompt's first row.
    public static func keystrokesDuringRun(generator: any ImageGenerator, settings: GenerationSettings,
                                           interval: Double = 0.2, maximumKeys: Int = 2000, wordLength: Int = 24,
                                           previewProtocol: PreviewProtocol = .truecolor) -> SlowModelReport {
        var report = SlowModelReport()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowstudio-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        report.configuration = "\(generator.modelName) (\(generator.modelSummary)), \(settings.width)×\(settings.height), "
            + "\(settings.steps) steps, CFG \(SettingText.exact(settings.cfgScale)), fake terminal 120×40, \(previewProtocol) previews, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores, a key every \(Int(interval * 1000)) ms"
        var startSettings = settings
        startSettings.prompt = ""
        let session = Session(generator: generator, settings: startSettings, directory: dir, previewProtocol: previewProtocol)
        let start = now()
        session.terminal.send(.enter)
        session.terminal.waitFor("running", timeout: 30)
        // The frame hook records the frame just after the screen holds it.
        for _ in 0..<1000 where !session.isRunning { Thread.sleep(forTimeInterval: 0.001) }
        let row = Layout(rows: 40, columns: 120).promptText.row
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var word = ""
        while report.keystrokeLatenciesMs.count + report.keysLost < maximumKeys, session.isRunning {
            if word.count == wordLength {
                session.terminal.send(.control("u"))
                session.terminal.waitUntil(timeout: 5) { canvas, _ in !canvas.text(row: row).contains(word) }
                word = ""
            }
            word.append(letters[word.count % letters.count])
            let sent = now()
            session.terminal.send(.character(word.last!))
            let target = word
            session.terminal.waitUntil(timeout: 5) { canvas, _ in canvas.text(row: row).contains(target) }
            // The frame hook runs just after the screen is stored: give it a moment.
            var shown = session.firstPresent(containing: target, after: sent)
            for _ in 0..<100 where shown == nil {
                Thread.sleep(forTimeInterval: 0.001)
                shown = session.firstPresent(containing: target, after: sent)
            }
            if let shown { report.keystrokeLatenciesMs.append((shown - sent) * 1000) } else { report.keysLost += 1 }
            Thread.sleep(forTimeInterval: interval)
        }
        report.seconds = now() - start
        let layout = Layout(rows: 40, columns: 120), canvas = session.terminal.canvas
        report.finalStatus = [layout.status.row, layout.progress.row]
            .map { canvas.text(row: $0).trimmingCharacters(in: .whitespaces) }.joined(separator: " | ")
        session.terminal.send(.escape)
        session.quit()
        let frames = session.controller.state.run.frames
        report.steps = frames.count
        report.stepSeconds = zip(frames, [0] + frames.map(\.elapsed)).map { $0.elapsed - $1 }
        return report
    }
}
