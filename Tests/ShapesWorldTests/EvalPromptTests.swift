import Testing
@testable import ShapesWorld

struct EvalPromptTests {
    @Test func textsFollowTheGrammar() {
        #expect(EvalPrompt(.shape(.circle)).text == "a circle")
        #expect(EvalPrompt(.color(Composition(.square, .orange))).text == "an orange square")
        #expect(EvalPrompt(.position(Composition(.circle, .red), .topLeft)).text == "a red circle at the top left")
        #expect(EvalPrompt(.twoObjects(Composition(.circle, .red), Composition(.square, .blue))).text
                == "a red circle and a blue square")
        #expect(EvalPrompt(.counting(2, Composition(.triangle, .blue))).text == "two blue triangles")
        #expect(EvalPrompt(.background(.beige, object: Composition(.diamond, .orange))).text
                == "an orange diamond on a beige background")
        #expect(EvalPrompt(.counting(3, Composition(.circle, .white))).category == .counting)
        #expect(EvalCategory.twoObjects.description == "two_objects")
    }

    @Test func builtInIsBalancedDeterministicAndAvoidsHeldOut() {
        let prompts = EvalPromptSet.builtIn(count: 120)
        #expect(prompts.count == 120)
        #expect(prompts == EvalPromptSet.builtIn(count: 120))
        #expect(prompts != EvalPromptSet.builtIn(count: 120, seed: 1))
        #expect(Array(prompts.prefix(30)) == EvalPromptSet.builtIn(count: 30))
        for category in EvalCategory.allCases {
            #expect(prompts.filter { $0.category == category }.count == 20)
        }
        for prompt in prompts {
            #expect(!prompt.isHeldOut)
            #expect(prompt.expected.compositions.allSatisfy { !HeldOut.standard.contains($0) })
            #expect(prompt.text == prompt.expected.text && prompt.category == prompt.expected.category)
            let words = prompt.text.split(separator: " ").map(String.init)
            #expect(words.allSatisfy(Caption.vocabulary.contains))
        }
        // The shape category cycles through all four shapes evenly.
        let shapes = prompts.compactMap { if case .shape(let s) = $0.expected { s } else { nil } }
        #expect(Set(shapes) == Set(ShapeKind.allCases))
        #expect(ShapeKind.allCases.allSatisfy { s in shapes.filter { $0 == s }.count == 5 })
        // Non-shape categories do not repeat within 20.
        for category in EvalCategory.allCases where category != .shape {
            let texts = prompts.filter { $0.category == category }.map(\.text)
            #expect(Set(texts).count == texts.count)
        }
    }

    @Test func heldOutPromptsNameHeldOutPairs() {
        let prompts = EvalPromptSet.heldOut(.standard, perCategory: 6)
        #expect(prompts.count == 30)
        #expect(!prompts.contains { $0.category == .shape })
        for prompt in prompts {
            #expect(prompt.isHeldOut)
            #expect(prompt.expected.compositions.contains(where: HeldOut.standard.contains))
        }
        let named = Set(prompts.flatMap(\.expected.compositions).filter(HeldOut.standard.contains))
        #expect(named == HeldOut.standard.compositions)
        #expect(EvalPromptSet.heldOut(.none).isEmpty)
    }
}
