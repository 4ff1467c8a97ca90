import ArgumentParser
import Foundation
import Lab

struct LabListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the scenarios and whether each can run on each kernel.")

  func run() throws {
    let cache = LabCache()
    let kernels = DebianKernel.allCases.map { ($0.rawValue, try? cache.kernel($0)) }
    let accelerator = Accelerator(rawValue: cache.host()?.accelerator ?? "tcg") ?? .tcg
    let table = LabAvailability.table(kernels: kernels, accelerator: accelerator)
    print("accelerator: \(accelerator.rawValue)")
    for scenario in ScenarioCatalogue.all {
      print("\(scenario.name): \(scenario.summary)")
      print("  expects \(scenario.kind.rawValue), console shows \"\(scenario.marker)\"")
      for cell in table.cells where cell.scenario == scenario.name {
        print(
          "  \(cell.kernel.padding(toLength: 5, withPad: " ", startingAt: 0)) \(cell.refusal.map { "no: \($0)" } ?? "runnable")"
        )
      }
    }
  }
}
