import Findings

/// Judges one image against every KG1xx rule under `profile`. The findings come most severe
/// first, then by rule ID (a rule's several findings keep the order it made them in).
public func evaluate(_ imageCase: ImageCase, profile: PolicyProfile = .kooGallery) -> [Finding] {
    let input = RuleInput(imageCase, profile: profile)
    return RuleCatalogue.imageRules.flatMap { $0.evaluate(input) }.inReportOrder()
}
