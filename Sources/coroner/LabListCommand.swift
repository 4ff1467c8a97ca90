import ArgumentParser
import Foundation
import Lab

struct LabListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the scenarios and whether each can run on each kernel.")

  @Flag(help: "Print the table as JSON.")
  var json = false

  func run() throws {
    let cache = LabCache()
    let kernels = DebianKernel.allCases.map { ($0.rawValue, try? cache.kernel($0)) }
    let accelerator = Accelerator(rawValue: cache.host()?.accelerator ?? "tcg") ?? .tcg
    let table = LabAvailability.table(kernels: kernels, accelerator: accelerator)
    if json {
      try printJSON(table)
    } else {
      printTable(table, kernels: kernels.map(\.0), accelerator: accelerator)
    }
  }

  private func printTable(_ table: LabAvailability, kernels: [String], accelerator: Accelerator) {
    print("accelerator: \(accelerator.rawValue)")
    let header = ["scenario", "expects"] + kernels + ["console marker"]
    var rows = [header]
    var reasons: [String: String] = [:]
    for scenario in ScenarioCatalogue.all {
      var row = [scenario.name, scenario.kind.rawValue]
      for kernel in kernels {
        let refusal = table.cells.first { $0.scenario == scenario.name && $0.kernel == kernel }?.refusal
        row.append(refusal == nil ? "yes" : "no")
        if let refusal { reasons["\(scenario.name) on \(kernel)"] = refusal }
      }
      rows.append(row + [scenario.marker])
    }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      print(
        row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
          .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
    for key in reasons.keys.sorted() {
      print("\(key): no: \(reasons[key] ?? "")")
    }
  }

  private func printJSON(_ table: LabAvailability) throws {
    let rows: [[String: String?]] = table.cells.map {
      ["scenario": $0.scenario, "kernel": $0.kernel, "refusal": $0.refusal]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
  }
}
