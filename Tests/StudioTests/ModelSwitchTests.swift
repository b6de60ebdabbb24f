import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

/// Switching models in the running studio (UI thread, loader thread, worker thread), through
/// `FakeTerminal`.
@Suite struct ModelSwitchTests {
    typealias Running = StudioControllerTests.Running

    static func otherModel(probe: ConcurrencyProbe? = nil) -> TestGenerator {
        TestGenerator(name: "other-model", summary: "SD3.5-medium (MMDiT-X) 2.5B params", hash: "feedface", sizes: [(32, 32)],
                      defaults: GenerationSettings(prompt: "", steps: 6, cfgScale: 4.5, seed: 1, shift: 3.5, width: 32, height: 32),
                      probe: probe)
    }

    /// Models by path, as a loader would find them; a missing path fails as a real loader does.
    final class Shelf: @unchecked Sendable {
        let models: [String: TestGenerator]
        private let lock = NSLock()
        private var asked: [String] = []
        /// When set, each load waits for it (a slow checkpoint).
        let gate: DispatchSemaphore?

        init(_ models: [String: TestGenerator], gate: DispatchSemaphore? = nil) {
            self.models = models
            self.gate = gate
        }

        var requests: [String] { lock.withLock { asked } }

        func load(_ path: String) throws -> any ImageGenerator {
            lock.withLock { asked.append(path) }
            gate?.wait()
            guard let model = models[path] else { throw StoreError.cannotWrite(path, "not a model (test)") }
            return model
        }
    }

    /// Waits (polling) until `condition` holds, at most 20 s; returns whether it did.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    @Test func switchingUsesTheNewModelKeepsThePromptAndRecordsIt() throws {
        let first = TestGenerator(), other = Self.otherModel()
        let shelf = Shelf(["/models/other.safetensors": other])
        let app = Running(generator: first, modelPath: "/models/first.safetensors", loadModel: { try shelf.load($0) })
        #expect(app.terminal.waitFor("ready"))
        app.terminal.type("a red circle")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(first.runs == 1)
        app.terminal.send(.control("o"))
        #expect(app.terminal.waitFor("Models (0 recent)"))
        #expect(app.screen.contains("● test-model  (in use)"))
        app.terminal.type("/models/other.safetensors")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("loaded other-model in"))
        #expect(app.screen.contains("SD3.5-medium (MMDiT-X) 2.5B params"))  // the status line and the title say it
        #expect(app.screen.contains("FlowStudio · other-model — SD3.5-medium"))
        #expect(app.screen.contains("a red circle"))
        #expect(app.screen.contains("32×32"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(app.terminal.waitFor("(6 steps, seed 7)"))  // the new model's steps, the kept seed
        #expect(first.runs == 1 && other.runs == 1)
        // Loading the model in use again does nothing.
        app.terminal.send(.control("o"))
        #expect(app.terminal.waitFor("Models (1 recent)"))
        app.terminal.send(.end)
        app.terminal.type("/models/../models/other.safetensors")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("is the model in use already"))
        #expect(shelf.requests == ["/models/other.safetensors"])
        #expect(app.quit())
        // models.json has the loaded model on top of the starting one.
        let recent = RecentModelsStore(directory: app.directory).load()
        #expect(recent.warning == nil)
        #expect(recent.entries.map(\.path) == ["/models/other.safetensors", "/models/first.safetensors"])
        #expect(recent.entries.map(\.summary) == ["SD3.5-medium (MMDiT-X) 2.5B params", "test generator"])
        // The next session lists the other model under the one it starts with.
        let again = Running(generator: TestGenerator(), directory: app.directory, modelPath: "/models/first.safetensors",
                            loadModel: { try shelf.load($0) })
        again.terminal.send(.function(4))
        #expect(again.terminal.waitFor("Models (1 recent)"))
        #expect(again.screen.contains("other-model"))
        again.terminal.send(.enter)  // the list opens on it
        #expect(again.terminal.waitFor("loaded other-model"))
        #expect(again.quit())
    }

    @Test func aFailedLoadKeepsTheOldModelRunning() {
        let first = TestGenerator()
        let app = Running(generator: first, loadModel: { try Shelf([:]).load($0) })
        app.terminal.send(.control("o"))
        app.terminal.type("/nowhere/model.safetensors")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("cannot load /nowhere/model.safetensors: cannot write /nowhere/model.safetensors: not a model (test)"))
        #expect(app.screen.contains("still using test-model"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(first.runs == 1)
        #expect(app.quit())
    }

    /// The UI answers keys while a load blocks its thread; Esc during a run and a load behaves.
    @Test func keysAreAnsweredWhileAModelLoads() {
        let gate = DispatchSemaphore(value: 0)
        let shelf = Shelf(["/models/slow": Self.otherModel()], gate: gate)
        let app = Running(generator: TestGenerator(stepDelay: 0.05), loadModel: { try shelf.load($0) })
        app.terminal.send(.tab, .tab)
        app.terminal.type("200")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("running"))
        app.terminal.send(.control("o"))
        app.terminal.type("/models/slow")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("loading slow…"))
        #expect(Self.eventually { shelf.requests == ["/models/slow"] })  // the loader is blocked in it
        #expect(app.terminal.waitFor("cancelled"))  // the run was cancelled first (the progress row says so)…
        #expect(!app.screen.contains("cancelled after"))  // …and the status line still says what is loading
        // Typing, help, lists: all answered while the loader thread is stuck.
        app.terminal.send(.backTab, .backTab)
        app.terminal.type("still typing")
        #expect(app.terminal.waitFor("still typing"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("Enter generates once it has loaded"))
        app.terminal.send(.control("p"))
        #expect(app.terminal.waitFor("History (0)"))
        app.terminal.send(.escape)
        #expect(app.terminal.waitFor("Prompt"))
        gate.signal()
        #expect(app.terminal.waitFor("loaded other-model"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(app.controller.state.run.result?.settings.prompt == "still typing")
        #expect(app.controller.state.run.result?.settings.steps == 6)
        #expect(app.quit())
    }

    /// Quitting while a load is stuck does not wait for it (the caller then exits at once).
    @Test func quittingDuringALoadDoesNotWaitForIt() {
        let gate = DispatchSemaphore(value: 0)
        let shelf = Shelf(["/models/stuck": Self.otherModel()], gate: gate)
        let app = Running(loadModel: { try shelf.load($0) })
        app.terminal.send(.control("o"))
        app.terminal.type("/models/stuck")
        app.terminal.send(.enter)
        #expect(Self.eventually { shelf.requests.count == 1 })
        #expect(app.quit())
        #expect(!app.controller.workerEnded)
        gate.signal()  // let the thread finish
    }

    /// Runs of the old and the new model never overlap: each job carries its generator and the
    /// worker does one at a time.
    @Test func theWorkerNeverRunsTwoGeneratorsAtOnce() {
        let probe = ConcurrencyProbe()
        let slow = TestGenerator(stepDelay: 0.01, probe: probe), other = Self.otherModel(probe: probe)
        let mailbox = Mailbox(wake: {})
        let worker = GenerationWorker(mailbox: mailbox)
        worker.launch()
        var settings = slow.defaultSettings
        settings.steps = 50
        worker.start(settings, run: 1, generator: slow)
        while slow.runs == 0 { Thread.sleep(forTimeInterval: 0.001) }
        for run in 2...5 { worker.start(other.defaultSettings, run: run, generator: run % 2 == 0 ? other : slow) }
        var ended = Set<Int>()
        let deadline = Date().addingTimeInterval(20)
        while !ended.contains(5) && Date() < deadline {
            for case let .worker(event) in mailbox.take().events {
                switch event.kind {
                case .finished, .cancelled, .failed: ended.insert(event.run)
                case .step: break
                }
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        worker.stop()
        #expect(worker.join(timeout: 10))
        #expect(ended.contains(1) && ended.contains(5))
        #expect(probe.maximum == 1)
    }
}
