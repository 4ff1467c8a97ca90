/// Which scenario can run on which kernel, and why not: what `coroner lab list` shows.
public struct LabAvailability: Sendable {
  public struct Cell: Sendable {
    public var scenario: String
    public var kernel: String
    /// nil when runnable, else the reason it is not.
    public var refusal: String?
  }

  public var cells: [Cell]

  /// `kernels` are the kernels setup fetched (a missing one is reported as such).
  public static func table(
    kernels: [(label: String, tree: KernelTree?)], accelerator: Accelerator
  ) -> LabAvailability {
    var cells: [Cell] = []
    for scenario in ScenarioCatalogue.all {
      for (label, tree) in kernels {
        let refusal =
          tree.map { scenario.refusal(kernel: $0, accelerator: accelerator) } ?? notSetUp(label)
        cells.append(Cell(scenario: scenario.name, kernel: label, refusal: refusal))
      }
    }
    return LabAvailability(cells: cells)
  }

  /// Why nothing runs on a kernel setup has not made yet, and the command that makes it.
  static func notSetUp(_ label: String) -> String {
    guard let kernel = DebianKernel(rawValue: label), kernel.sourceBuild != nil else {
      return "kernel \(label) not fetched; run `coroner lab setup`"
    }
    return "kernel \(label) not built; run `coroner lab setup --kernel \(label)` (builds it from source)"
  }
}
