/// The agreement rates both corpus scores are judged on (the syzkaller corpus and the
/// real logs): each a count of exact answers over the files that have one.
protocol CorpusRates {
  var files: Int { get }
  var crashFiles: Int { get }
  var crashAgree: Int { get }
  var typeExact: Int { get }
  var titleExact: Int { get }
  var frameFiles: Int { get }
  var frameExact: Int { get }
}

extension CorpusRates {
  func rate(_ count: Int, _ total: Int) -> Double { Double(count) / Double(max(1, total)) }
  var crashRate: Double { rate(crashAgree, files) }
  var typeRate: Double { rate(typeExact, crashFiles) }
  var titleRate: Double { rate(titleExact, crashFiles) }
  var frameRate: Double { rate(frameExact, frameFiles) }

  /// `count/total (p%)`.
  func fraction(_ count: Int, _ total: Int) -> String { "\(count)/\(total) (\(percent(rate(count, total))))" }
}
