import Testing
@testable import Studies

@Suite struct StudyCSVTests {
    static let rows = [
        StudyRow(study: .densities, variant: "lognorm-0-1-seed1", label: "lognorm(0,1)", timesteps: "lognorm:0,1", depth: 3, seed: 1,
                 parameters: 1_234_567, metric: StudyRow.validationLoss, samplingSteps: nil, step: 250, trainingFLOPs: 1.234567e13,
                 value: 0.41234567),
        StudyRow(study: .densities, variant: "lognorm-0-1-seed1", label: "lognorm(0,1)", timesteps: "lognorm:0,1", depth: 3, seed: 1,
                 parameters: 1_234_567, metric: StudyRow.evalMetric("two_objects"), samplingSteps: 25, step: 5000,
                 trainingFLOPs: 2.5e14, value: 1.0 / 3),
        StudyRow(study: .densities, variant: "q\"uote", label: "a \"label\", with comma", timesteps: "uniform", depth: 1, seed: 0,
                 parameters: 1, metric: StudyRow.evalOverall, samplingSteps: 5, step: 4, trainingFLOPs: 0, value: 0),
    ]

    @Test func roundTripsExactly() throws {
        let text = StudyCSV.encode(Self.rows)
        #expect(text.hasPrefix(StudyCSV.header.joined(separator: ",") + "\n"))
        #expect(text.contains("\"lognorm:0,1\""))
        #expect(try StudyCSV.decode(text) == Self.rows)
    }

    @Test func refusesDamagedFiles() {
        #expect(throws: StudyError.self) { try StudyCSV.decode("") }
        #expect(throws: StudyError.self) { try StudyCSV.decode("a,b\n1,2\n") }
        let header = StudyCSV.header.joined(separator: ",")
        #expect(throws: StudyError.self) { try StudyCSV.decode(header + "\ndensities,x,x,uniform,1,0,1,val_loss,,2,1.0\n") }
        #expect(throws: StudyError.self) { try StudyCSV.decode(header + "\ndensities,x,x,uniform,one,0,1,val_loss,,2,1.0,0.5\n") }
        #expect(throws: StudyError.self) { try StudyCSV.decode(header + "\nother,x,x,uniform,1,0,1,val_loss,,2,1.0,0.5\n") }
        #expect(throws: StudyError.self) { try StudyCSV.decode(header + "\ndensities,x,\"open,uniform,1,0,1,val_loss,,2,1.0,0.5\n") }
    }
}
