import FlowCore
import Foundation
import Generation
import Imaging

/// Measurements of the studio's targets, driven through `FakeTerminal` (no tty): keystroke →
/// screen latency while the sampler runs, how many sampler steps reached the screen, the cost
/// of the UI to sampling, and sixel encoding time. `flowstudio studio --measure` prints them;
/// they are measurements, not tests.
public enum StudioBenchmark {
    /// One measurement run's numbers.
    public struct Report: Sendable, CustomStringConvertible {
        public var keystrokeLatenciesMs: [Double] = []
        public var stepsRun = 0
        public var stepsShown = 0
        public var bareSeconds = 0.0
        public var withUISeconds = 0.0
        public var sixelEncodeMs = 0.0
        public var sixelBytes = 0
        public var frameMs = 0.0
        public var slow: (model: String, bare: Double, studio: Double)?
        public var configuration = ""

        public var description: String {
            let sorted = keystrokeLatenciesMs.sorted()
            func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            return """
            configuration: \(configuration)
            keystroke → screen while sampling (\(sorted.count) keys): median \(String(format: "%.2f", pct(0.5))) ms, \
            p95 \(String(format: "%.2f", pct(0.95))) ms, max \(String(format: "%.2f", sorted.last ?? 0)) ms (target < 50 ms)
            preview: \(stepsShown) of \(stepsRun) steps reached the screen
            sampling: \(String(format: "%.3f", bareSeconds)) s bare, \(String(format: "%.3f", withUISeconds)) s in the studio \
            (\(String(format: "%+.1f", 100 * (withUISeconds - bareSeconds) / max(bareSeconds, 1e-9)))%, target ≤ +5%)
            UI thread: \(String(format: "%.2f", frameMs)) ms to draw one 120×40 frame
            slow model: \(slow.map { "\($0.model): \(String(format: "%.3f", $0.bare)) s bare, \(String(format: "%.3f", $0.studio)) s in the studio (\(String(format: "%+.1f", 100 * ($0.studio - $0.bare) / max($0.bare, 1e-9)))%, target ≤ +5%)" } ?? "not measured")
            sixel encode 256×256: \(String(format: "%.2f", sixelEncodeMs)) ms median, \(sixelBytes) bytes (target < 10 ms)
            """
        }
    }

    /// Runs all measurements with `generator` (the studio's model). `steps` is the run typed over.
    /// `slowModel`, when given, is measured too (the 5% target is for slow models).
    public static func run(generator: any ImageGenerator, slowModel: (any ImageGenerator)? = nil, keystrokes: Int = 40,
                           interval: Double = 0.03, steps: Int = 200,
                           previewProtocol: PreviewProtocol = .truecolor) throws -> Report {
        var report = Report()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowstudio-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        report.configuration = "\(generator.modelName), \(steps) steps, fake terminal 120×40, \(previewProtocol) previews, \(ProcessInfo.processInfo.activeProcessorCount) cores"

        // 1. Keystrokes while a long run is going.
        var settings = generator.defaultSettings
        settings.steps = steps
        let session = Session(generator: generator, settings: settings, directory: dir, previewProtocol: previewProtocol)
        session.terminal.send(.enter)
        session.terminal.waitFor("running", timeout: 30)
        let typed = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
        var expected = ""
        for c in typed.prefix(keystrokes) {
            expected.append(c)
            let sent = now()
            session.terminal.send(.character(c))
            let target = expected
            session.terminal.waitUntil(timeout: 5) { canvas, _ in canvas.text(row: Layout(rows: 40, columns: 120).promptText.row).contains(target) }
            // The frame hook runs just after the screen is stored: give it a moment.
            var shown = session.firstPresent(containing: target, after: sent)
            for _ in 0..<100 where shown == nil {
                Thread.sleep(forTimeInterval: 0.001)
                shown = session.firstPresent(containing: target, after: sent)
            }
            if let shown { report.keystrokeLatenciesMs.append((shown - sent) * 1000) }
            Thread.sleep(forTimeInterval: interval)
        }
        session.terminal.send(.escape)
        session.quit()

        // 2. Every step on screen, and the UI's cost to sampling: the same run bare and in the
        //    studio (medians of 3), for this model and for a slow one.
        var short = generator.defaultSettings
        short.steps = min(steps, 60)
        let fast = try overhead(generator: generator, settings: short, directory: dir, previewProtocol: previewProtocol)
        (report.bareSeconds, report.withUISeconds, report.stepsShown) = fast
        report.stepsRun = short.steps
        if let slowModel {
            var slowSettings = slowModel.defaultSettings
            slowSettings.steps = 10
            let slow = try overhead(generator: slowModel, settings: slowSettings, directory: dir, previewProtocol: previewProtocol)
            report.slow = (slowModel.modelSummary + ", \(slowSettings.width)×\(slowSettings.height), 10 steps", slow.bare, slow.studio)
        }

        // UI thread cost of one frame: drawing the 120×40 screen with a picture.
        var state = StudioState(generator: generator, live: false)
        state.editor.prompt.setText("a red circle above a blue square")
        let layout = Layout(rows: 40, columns: 120)
        let picture = TerminalImage.render(RGBImage(width: 64, height: 64, fill: .red), protocol: .truecolor, columns: 70, rows: 34,
                                           cellPixels: (10, 20))
        var frameTimes: [Double] = []
        for _ in 0..<50 {
            let t0 = now()
            let (canvas, _) = StudioView.render(state, layout: layout, preview: picture)
            _ = canvas == Canvas(rows: 40, columns: 120)
            frameTimes.append((now() - t0) * 1000)
        }
        report.frameMs = frameTimes.sorted()[25]

        // 3. Sixel encoding of a 256×256 preview.
        let image = RGBImage.grid([RGBImage](repeating: RGBImage(width: 64, height: 64, fill: RGB(200, 80, 40)), count: 1), columns: 1, padding: 0)
            .scaled(by: 4)
        var noisy = image
        var rng: UInt32 = 1
        for i in 0..<noisy.pixels.count {
            rng = rng &* 1_664_525 &+ 1_013_904_223
            noisy.pixels[i] = UInt8(truncatingIfNeeded: Int(noisy.pixels[i]) / 2 + Int(rng >> 25))
        }
        let encoder = SixelEncoder.fitted()  // as the studio encodes
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<30 {
            let t0 = now()
            bytes = encoder.encode(noisy).count
            times.append((now() - t0) * 1000)
        }
        report.sixelEncodeMs = times.sorted()[times.count / 2]
        report.sixelBytes = bytes
        return report
    }

    /// Seconds of the same run without and with the studio (medians of 3), and how many
    /// different steps' pictures the studio presented in its last run.
    static func overhead(generator: any ImageGenerator, settings: GenerationSettings, directory: URL,
                         previewProtocol: PreviewProtocol) throws -> (bare: Double, studio: Double, shown: Int) {
        _ = try generator.generate(settings) { _ in true }  // warm-up
        var bare: [Double] = [], studio: [Double] = []
        var shown = 0
        for _ in 0..<3 {
            bare.append(try generator.generate(settings) { _ in true }?.seconds ?? 0)
            let session = Session(generator: generator, settings: settings, directory: directory, previewProtocol: previewProtocol)
            session.terminal.send(.enter)
            session.terminal.waitFor("done in", timeout: 300)
            session.quit()
            studio.append(session.controller.state.run.result?.seconds ?? 0)
            shown = session.distinctStepsShown(of: settings.steps)
        }
        return (bare.sorted()[1], studio.sorted()[1], shown)
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// A controller on its own thread (standing in for the UI thread) with a fake terminal that
    /// timestamps every frame.
    final class Session: @unchecked Sendable {
        // @unchecked: `frames` is guarded by `lock`; the controller is only touched by its thread
        // until `quit()` has joined it.
        let terminal = FakeTerminal()
        let controller: StudioController
        private let lock = NSLock()
        private var frames: [(time: Double, prompt: String, overlay: String)] = []
        /// The progress row of the newest frame ("step 3/28 … running").
        private var progress = ""
        private let done = DispatchSemaphore(value: 0)

        init(generator: any ImageGenerator, settings: GenerationSettings, directory: URL, previewProtocol: PreviewProtocol) {
            let configuration = StudioController.Configuration(
                previewProtocol: previewProtocol, store: FavoritesStore(directory: directory), live: false,
                initialSettings: settings)
            controller = StudioController(terminal: terminal, generator: generator, configuration: configuration)
            let layout = Layout(rows: 40, columns: 120)
            terminal.onPresent = { [weak self] canvas, overlays in
                guard let self else { return }
                let t = StudioBenchmark.now()
                let prompt = canvas.text(row: layout.promptText.row)
                let progress = canvas.text(row: layout.progress.row)
                self.lock.lock()
                self.frames.append((t, prompt, overlays.first?.key ?? ""))
                self.progress = progress
                self.lock.unlock()
            }
            let thread = Thread { [self] in
                controller.run()
                done.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }

        func quit() {
            terminal.send(.control("q"))
            done.wait()
        }

        /// Whether the newest frame says the run is going.
        var isRunning: Bool {
            lock.lock()
            defer { lock.unlock() }
            return progress.contains("running")
        }

        func firstPresent(containing text: String, after time: Double) -> Double? {
            lock.lock()
            defer { lock.unlock() }
            return frames.first { $0.time >= time && $0.prompt.contains(text) }?.time
        }

        /// How many different steps' pictures were presented (overlay keys `runN-stepK-…`).
        func distinctStepsShown(of n: Int) -> Int {
            lock.lock()
            defer { lock.unlock() }
            return min(n, Set(frames.map(\.overlay).filter { $0.contains("-step") }).count)
        }
    }
}
