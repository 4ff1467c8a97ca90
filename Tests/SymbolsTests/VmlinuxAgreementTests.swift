import Foundation
import Lab
import TestSupport
import XCTest

@testable import Symbols

/// The issue's agreement test: Debian's vmlinux with debug info (fetched once into a
/// cache by scripts/fetch-debug-kernel), at least 1,000 addresses — function starts,
/// middles, inlined sites, cold parts, assembler code — symbolized by Coroner, llvm-symbolizer and
/// `addr2line -i -f`; function, file, line and inline chain compared; every difference
/// printed.
final class VmlinuxAgreementTests: XCTestCase {
  struct Frame: Equatable, CustomStringConvertible {
    var function: String
    var location: String
    var description: String { "\(function) \(location)" }
  }

  func testAgreementWithLlvmSymbolizerAndAddr2line() throws {
    let vmlinux = try fetchVmlinux()
    let object = try DebugObject(path: vmlinux)
    let addresses = try sampleAddresses(object)
    XCTAssertGreaterThanOrEqual(addresses.count, 1000)
    let input = addresses.map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n"

    let started = Date()
    let ours = try addresses.map { try object.frames(at: $0) }
    let ourTime = Date().timeIntervalSince(started)
    let llvmStarted = Date()
    let llvm = SymbolizerAnswer.parse(
      try runTool(Fixtures.llvmSymbolizer, ["--inlining", "--obj=" + vmlinux], input: input))
    let llvmTime = Date().timeIntervalSince(llvmStarted)
    let addr2lineStarted = Date()
    let addr2line = parseAddr2line(
      try runTool("/usr/bin/addr2line", ["-a", "-i", "-f", "-e", vmlinux], input: input))
    let addr2lineTime = Date().timeIntervalSince(addr2lineStarted)
    XCTAssertEqual(llvm.count, addresses.count)
    XCTAssertEqual(addr2line.count, addresses.count)
    guard llvm.count == addresses.count, addr2line.count == addresses.count else { return }

    var llvmSame = 0
    var columnsSame = 0
    var addr2lineSame = 0
    var referencesAgree = 0
    var sameWhereReferencesAgree = 0
    var differences: [String] = []
    for (index, address) in addresses.enumerated() {
      let hex = "0x" + String(address, radix: 16)
      let mine = ours[index].map { Frame(function: $0.function ?? "??", location: location($0)) }
      let theirs = llvm[index].frames.map(llvmFrame)
      if (mine.isEmpty ? [Frame(function: "??", location: "??:0")] : mine) == theirs {
        llvmSame += 1
        if SymbolizerAnswer(frames: ours[index]) == llvm[index] { columnsSame += 1 }
      } else {
        differences.append("\(hex) llvm-symbolizer: ours \(mine) / theirs \(theirs)")
      }
      // addr2line names functions by DWARF only (no .cold, .constprop.0 from the
      // symbol table): compare our DWARF-named chain.
      let mineBare = try dwarfNamed(object, address)
      let a2l = addr2line[index]
      let llvmBare = theirs.map { Frame(function: bareName($0.function), location: $0.location) }
      if mineBare == a2l { addr2lineSame += 1 }
      if llvmBare == a2l {
        referencesAgree += 1
        if mineBare == a2l { sameWhereReferencesAgree += 1 }
      }
      if mineBare != a2l {
        let note = llvmBare == a2l ? "" : " (llvm-symbolizer differs from addr2line too)"
        differences.append("\(hex) addr2line\(note): ours \(mineBare) / theirs \(a2l)")
      }
    }
    let total = Double(addresses.count)
    print(
      """
      vmlinux agreement on \(addresses.count) addresses of \(vmlinux):
        same function, file, line and chain as llvm-symbolizer: \(llvmSame) (\(percent(llvmSame, total))), \
      columns too: \(columnsSame)
        same as addr2line -i -f: \(addr2lineSame) (\(percent(addr2lineSame, total))); \
      llvm-symbolizer and addr2line agree on \(referencesAgree), \
      of which ours agrees on \(sameWhereReferencesAgree) (\(percent(sameWhereReferencesAgree, Double(referencesAgree))))
        time (test build, not a benchmark: see scripts/bench-symbolize): coroner \(String(format: "%.2f", ourTime)) s in process, \
      llvm-symbolizer \(String(format: "%.2f", llvmTime)) s, addr2line \(String(format: "%.2f", addr2lineTime)) s
      differences (\(differences.count)):
      """)
    for difference in differences { print("  " + difference) }
    XCTAssertGreaterThanOrEqual(Double(llvmSame) / total, 0.99, "agreement with llvm-symbolizer")
    XCTAssertGreaterThanOrEqual(
      Double(sameWhereReferencesAgree) / Double(max(referencesAgree, 1)), 0.99,
      "agreement with addr2line where it and llvm-symbolizer agree")
  }

  /// Modules are ET_REL: llvm-symbolizer cannot place their section-relative addresses;
  /// elfutils' and binutils' addr2line can with `-j SECTION`. Sampled function+offset
  /// addresses of ext4.ko and loop.ko are compared with both at their section offsets.
  func testModulesAgreeWithAddr2lineBySection() throws {
    let vmlinux = try fetchVmlinux()
    let elfutils = "/usr/bin/eu-addr2line"
    guard FileManager.default.isExecutableFile(atPath: elfutils) else {
      throw TestInput.missing(elfutils, makeWith: "scripts/install-prerequisites")
    }
    let root = URL(fileURLWithPath: vmlinux).deletingLastPathComponent().deletingLastPathComponent().path
    let release = String(URL(fileURLWithPath: vmlinux).lastPathComponent.dropFirst("vmlinux-".count))
    var random = SplitMix64(seed: 0x6d6f_6475_6c65)
    var compared = 0
    var sameAsElfutils = 0
    var sameAsBinutils = 0
    var differences: [String] = []
    for module in ["fs/ext4/ext4.ko", "drivers/block/loop.ko"] {
      let path = "\(root)/lib/modules/\(release)/kernel/\(module)"
      let object = try DebugObject(path: path)
      let functions = try object.symbols().textSymbols.filter { $0.elfSize > 0 }
      var bySection: [Int: [(address: UInt64, sectionOffset: UInt64)]] = [:]
      for _ in 0..<(module.hasPrefix("fs") ? 400 : 150) {
        let function = functions[random.next(below: functions.count)]
        let offset = UInt64(random.next(below: Int(function.elfSize)))
        let base = object.file.address(ofSection: function.sectionIndex)
        bySection[function.sectionIndex, default: []].append(
          (function.address + offset, function.address + offset - base))
      }
      for (section, samples) in bySection.sorted(by: { $0.key < $1.key }) {
        let name = object.file.sections[section].name
        let input = samples.map { "0x" + String($0.sectionOffset, radix: 16) }.joined(separator: "\n") + "\n"
        let arguments = ["-a", "-i", "-f", "-j", name, "-e", path]
        let elfutilsAnswers = parseAddr2line(try runTool(elfutils, arguments, input: input))
        let binutilsAnswers = parseAddr2line(try runTool("/usr/bin/addr2line", arguments, input: input))
        XCTAssertEqual(elfutilsAnswers.count, samples.count, "\(module) \(name)")
        XCTAssertEqual(binutilsAnswers.count, samples.count, "\(module) \(name)")
        for (index, sample) in samples.enumerated()
        where index < elfutilsAnswers.count && index < binutilsAnswers.count {
          let mine = try dwarfNamed(object, sample.address)
          let place = "\(module) \(name)+0x\(String(sample.sectionOffset, radix: 16))"
          compared += 1
          if mine == elfutilsAnswers[index] {
            sameAsElfutils += 1
          } else {
            differences.append("\(place) eu-addr2line: ours \(mine) / theirs \(elfutilsAnswers[index])")
          }
          if mine == binutilsAnswers[index] {
            sameAsBinutils += 1
          } else {
            let note =
              elfutilsAnswers[index] == binutilsAnswers[index] ? "" : " (eu-addr2line differs from it too)"
            differences.append("\(place) addr2line\(note): ours \(mine) / theirs \(binutilsAnswers[index])")
          }
        }
      }
    }
    print(
      """
      modules: \(compared) addresses; same as eu-addr2line -j: \(sameAsElfutils) \
      (\(percent(sameAsElfutils, Double(compared)))); same as addr2line -j: \(sameAsBinutils) \
      (\(percent(sameAsBinutils, Double(compared))))
      differences (\(differences.count)):
      """)
    for difference in differences { print("  " + difference) }
    XCTAssertGreaterThanOrEqual(Double(sameAsElfutils) / Double(max(compared, 1)), 0.99)
  }

  /// The lab's crash logs of the release the debug kernel is of (the consoles of the
  /// 6.1 WARN, soft lockup, hung task, RCU stall and sysrq panic scenes, from the
  /// shared scene cache): every vmlinux frame resolved by name to the System.map
  /// address, and its source chain equal to llvm-symbolizer's at the looked-up address.
  func testLabCrashTraceMatchesSystemMapAndLlvmSymbolizer() throws {
    let vmlinux = try fetchVmlinux()
    let release = String(URL(fileURLWithPath: vmlinux).lastPathComponent.dropFirst("vmlinux-".count))
    var log = ""
    for scenario in ["warn", "softlockup", "hung-task", "rcu-stall", "panic"] {
      let scene = try LabGate.scene(scenario, on: .v6_1)
      // scripts/fetch-debug-kernel fetches the release the lab set up: the two move together.
      XCTAssertEqual(scene.scene.kernel.release, release, "the \(scenario) scene against vmlinux-\(release)")
      log += try String(contentsOf: scene.console, encoding: .utf8)
    }
    let map = try SystemMap.parse(
      String(
        contentsOfFile: URL(fileURLWithPath: vmlinux).deletingLastPathComponent().path + "/System.map-"
          + release,
        encoding: .utf8))
    let symbolizer = TraceSymbolizer(vmlinux: try DebugObject(path: vmlinux), modulesDirectory: nil)
    let lines = TraceSymbolizer.lines(log).map { symbolizer.symbolize($0) }
      .filter { $0.frame != nil && $0.frame?.module == nil }
    XCTAssertGreaterThanOrEqual(lines.count, 40)
    var resolved: [ResolvedFrame] = []
    for line in lines {
      let frame = try XCTUnwrap(line.resolved, line.problem ?? line.text)
      let mapped = map.symbols.filter { $0.name == frame.symbol.name }.map(\.address)
      XCTAssertTrue(
        mapped.contains(frame.symbol.address),
        "\(line.text): not at a System.map address of \(frame.symbol.name)")
      resolved.append(frame)
    }
    let input = resolved.map { "0x" + String($0.lookupAddress, radix: 16) }.joined(separator: "\n") + "\n"
    let llvm = SymbolizerAnswer.parse(
      try runTool(Fixtures.llvmSymbolizer, ["--inlining", "--obj=" + vmlinux], input: input))
    XCTAssertEqual(llvm.count, resolved.count)
    for (frame, answer) in zip(resolved, llvm) {
      XCTAssertEqual(SymbolizerAnswer(frames: frame.source), answer, frame.symbol.name)
    }
    print(
      "lab crash: \(resolved.count) vmlinux frames resolved, same as llvm-symbolizer: \(zip(resolved, llvm).filter { SymbolizerAnswer(frames: $0.source) == $1 }.count)"
    )
  }

  // MARK: Inputs

  private func fetchVmlinux() throws -> String { try DebugKernel.vmlinux() }

  /// A fixed sample (seeded): function starts, middles, inlined sites and cold parts.
  private func sampleAddresses(_ object: DebugObject) throws -> [UInt64] {
    var random = SplitMix64(seed: 0x636f_726f_6e65_72)
    let functions = try object.symbols().textSymbols.filter { $0.elfSize > 0 }
    let cold = functions.filter { $0.name.hasSuffix(".cold") }
    var addresses: [UInt64] = []
    var seen = Set<UInt64>()
    func add(_ address: UInt64) { if seen.insert(address).inserted { addresses.append(address) } }
    for _ in 0..<300 { add(functions[random.next(below: functions.count)].address) }
    for _ in 0..<350 {
      let function = functions[random.next(below: functions.count)]
      add(function.address + UInt64(random.next(below: Int(function.elfSize))))
    }
    for _ in 0..<150 {
      let function = cold[random.next(below: cold.count)]
      add(function.address)
      add(function.address + UInt64(random.next(below: Int(function.elfSize))))
    }
    // Assembler code: untyped symbols of size 0 (entry points, inner labels).
    let untyped = try object.symbols().textSymbols.filter { $0.elfSize == 0 && $0.kallsymsSize > 0 }
    for _ in 0..<100 {
      let symbol = untyped[random.next(below: untyped.count)]
      add(symbol.address)
      add(symbol.address + UInt64(random.next(below: Int(min(symbol.kallsymsSize, 256)))))
    }
    var inlined = 0
    while inlined < 300 {
      let function = functions[random.next(below: functions.count)]
      let ranges = try object.dwarf.inlinedRanges(inUnitCovering: function.address)
      guard !ranges.isEmpty else { continue }
      for _ in 0..<3 {
        let range = ranges[random.next(below: ranges.count)]
        add(range.low + UInt64(random.next(below: Int(min(range.high - range.low, 1 << 20)))))
        inlined += 1
      }
    }
    return addresses
  }

  // MARK: Reference outputs

  private func llvmFrame(_ text: String) -> Frame {
    // "function file:line:column"
    let space = text.firstIndex(of: " ") ?? text.endIndex
    var place = String(text[space...].dropFirst())
    if let colon = place.lastIndex(of: ":") { place = String(place[..<colon]) }
    return Frame(function: String(text[..<space]), location: place)
  }

  /// `addr2line -a -i -f` (binutils or elfutils): an address line, then a function line
  /// (elfutils: `inner inlined at FILE:LINE:COL in outer`) and `file:line[:column]` per frame.
  private func parseAddr2line(_ output: String) -> [[Frame]] {
    var answers: [[Frame]] = []
    var pending: String?
    for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("0x"), line.count == 18 {
        answers.append([])
        pending = nil
      } else if let function = pending {
        var place = line
        if let range = place.range(of: " (discriminator") { place = String(place[..<range.lowerBound]) }
        if place.hasSuffix(":?") { place = String(place.dropLast()) + "0" }
        let parts = place.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, parts.suffix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
          place = parts.dropLast().joined(separator: ":")
        }
        let name = function.components(separatedBy: " inlined at ").first ?? function
        if !answers.isEmpty { answers[answers.count - 1].append(Frame(function: name, location: place)) }
        pending = nil
      } else if !line.isEmpty {
        pending = line
      }
    }
    return answers
  }

  /// Our chain with every function named by DWARF, as the addr2line tools name them;
  /// the symbol table only where DWARF has no subprogram.
  private func dwarfNamed(_ object: DebugObject, _ address: UInt64) throws -> [Frame] {
    var frames = try object.dwarf.frames(at: address)
    if frames.isEmpty || frames[frames.count - 1].function == nil {
      frames = try object.frames(at: address)
    }
    return frames.map { Frame(function: $0.function ?? "??", location: location($0)) }
  }

  private func location(_ frame: SourceFrame) -> String {
    "\(frame.file ?? "??"):\(frame.line)"
  }

  private func bareName(_ name: String) -> String {
    for marker in [".cold", ".constprop.", ".isra.", ".part."] {
      if let range = name.range(of: marker) { return String(name[..<range.lowerBound]) }
    }
    return name
  }

  private func percent(_ count: Int, _ total: Double) -> String {
    String(format: "%.2f%%", total > 0 ? Double(count) / total * 100 : 0)
  }
}

/// A small seeded generator, so the sample is the same on every run.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var value = state
    value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
    value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
    return value ^ (value >> 31)
  }

  mutating func next(below bound: Int) -> Int {
    bound <= 1 ? 0 : Int(next() % UInt64(bound))
  }
}

/// Debian's debug kernel, fetched once into a cache by scripts/fetch-debug-kernel.
enum DebugKernel {
  static func vmlinux() throws -> String {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/fetch-debug-kernel").path
    let fetched = try ToolRun.launch("/bin/bash", [script])
    let folder = fetched.text.trimmingCharacters(in: .whitespacesAndNewlines)
    let boot = folder + "/usr/lib/debug/boot"
    let name = (try? FileManager.default.contentsOfDirectory(atPath: boot))?.first {
      $0.hasPrefix("vmlinux-")
    }
    guard fetched.succeeded, let name else {
      throw TestInput.missing(
        "Debian's debug kernel (vmlinux with DWARF)", makeWith: "scripts/fetch-debug-kernel")
    }
    return boot + "/" + name
  }

  static func systemMap(forVmlinux vmlinux: String) -> String {
    let url = URL(fileURLWithPath: vmlinux)
    return url.deletingLastPathComponent().path + "/System.map-"
      + url.lastPathComponent.dropFirst("vmlinux-".count)
  }
}
