package trust

// CheckExplainAgrees holds Explain to Match's verdict for the Match tables
// of the external test package (the claim-rule kinds).
var CheckExplainAgrees = checkExplainAgreesAt
