import FlowCore
import Foundation
import RectifiedFlow

/// FlowStudio's `Branch` field: a run continued from a step of another run records the parts
/// that ran before each branch point, so that replaying the PNG (`--from`) makes the same image
/// bit for bit. The value is a JSON list, oldest part first:
///
/// ```
/// Branch: "[{\"from step\":12,\"prompt\":\"a red circle\",\"negative prompt\":\"\",\"CFG scale\":\"5\",\"sampler\":\"Euler\"}]"
/// ```
///
/// meaning: steps 1…12 ran with that prompt, CFG and sampler (the parent's), and the steps
/// after 12 with the prompt, CFG and sampler of the PNG's own fields. The seed, steps, shift and
/// size fields are the parent's too.
extension A1111Parameters {
    /// The key of the branch field.
    public static let branchKey = "Branch"

    /// The `Branch` value for `parts` (`GenerationSettings.branch`).
    public static func branchValue(_ parts: [BranchSegment]) -> String {
        let items = parts.map { part in
            "{" + [
                "\"from step\":\(part.untilStep)",
                "\"prompt\":\(jsonStringLiteral(part.prompt))",
                "\"negative prompt\":\(jsonStringLiteral(part.negativePrompt))",
                "\"CFG scale\":\(jsonStringLiteral(SettingText.exact(part.cfgScale)))",
                "\"sampler\":\(jsonStringLiteral(samplerName(part.sampler)))",
            ].joined(separator: ",") + "}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    /// The branch parts of a `Branch` value; throws naming what is wrong.
    public static func branchParts(_ value: String) throws(A1111ParametersError) -> [BranchSegment] {
        let expected = "a JSON list of {\"from step\", \"prompt\", \"negative prompt\", \"CFG scale\", \"sampler\"} as FlowStudio writes it"
        guard let data = value.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw .badValue(key: branchKey, value: value, expected: expected)
        }
        var parts: [BranchSegment] = []
        for item in list {
            guard let step = item["from step"] as? Int, let prompt = item["prompt"] as? String,
                  let cfgText = item["CFG scale"] as? String, let cfg = try? SamplingLimits.cfgRule.parse(cfgText),
                  let samplerText = item["sampler"] as? String, let sampler = samplerKind(samplerText) else {
                throw .badValue(key: branchKey, value: value, expected: expected)
            }
            parts.append(BranchSegment(prompt: prompt, negativePrompt: item["negative prompt"] as? String ?? "",
                                       cfgScale: cfg, sampler: sampler, untilStep: step))
        }
        return parts
    }
}
