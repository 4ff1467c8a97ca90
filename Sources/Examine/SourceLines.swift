import Symbols

/// Source lines of kernel code named as the kernel names it (`function+offset [module]`),
/// for callers that have frames of their own rather than a crash report: `coroner bt`'s
/// frames unwound from a dump. The same lookup as examine's (vmlinux by path, or by
/// release and build id in a debug tree; modules' debug files by name), so a frame gets
/// the same file:line whichever command printed it.
public struct SourceLines {
  let symbolizer: FrameSymbolizer

  /// Why some frames will stay without source (no vmlinux found, one unreadable).
  public var problems: [EvidenceProblem] { symbolizer.problems }

  /// Nil when `options` ask for no debuginfo.
  public init?(options: ExamineOptions, release: String?) {
    guard let symbolizer = FrameSymbolizer(options: options, buildID: nil, release: release) else {
      return nil
    }
    self.symbolizer = symbolizer
  }

  /// The inline chain at the frame, innermost first (`inlined` on all but the last,
  /// the function the code was compiled in); empty when the debuginfo does not cover
  /// it. A return address is looked up one byte back, inside its call instruction.
  public func frames(
    function: String, offset: UInt64, size: UInt64?, module: String?, isReturnAddress: Bool
  ) -> [SourceFrame] {
    symbolizer.sourceFrames(
      function: function, offset: offset, size: size, module: module, reliable: true,
      isReturnAddress: isReturnAddress)
  }
}
