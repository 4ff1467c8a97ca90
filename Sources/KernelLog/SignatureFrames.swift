extension CrashReport {
  /// The first `count` reliable frames that name code of their own, not the
  /// machinery every crash passes through (`GenericFrames`): what a fleet
  /// collector hashes to tell apart crashes whose titles cannot (ABRT/FAF hash an
  /// oops' first frames the same way). Names lose their compiler suffixes
  /// (`.isra.0`, `.cold`) so one function built twice hashes the same.
  public func signatureFrames(_ count: Int = 5) -> [String] {
    Array(
      frames.lazy.filter { $0.reliable && !GenericFrames.all.matches($0.function) }.prefix(count).map(
        \.baseName))
  }
}

extension CrashReport {
  /// A `kernel panic: Fatal exception`-style report: the panic that only states
  /// the report before it was fatal. A caller that parses a stream in pieces
  /// joins it to that report, as `reports(inLog:)` does.
  public var followsEarlierReport: Bool { isConsequentialPanic }
}
