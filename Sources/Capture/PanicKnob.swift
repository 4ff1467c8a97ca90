/// A run-time switch of the panic and detector policy: a sysctl under /proc/sys or a
/// module parameter under /sys/module, the value a profile wants, and why.
/// Documentation/admin-guide/sysctl/kernel.rst and kernel-parameters.txt.
public struct PanicKnob: Sendable, Equatable {
  /// The sysctl or `module.parameter` name, e.g. `kernel.panic_on_oops`.
  public var name: String
  public var path: String
  /// The boot-time spelling, when the knob has one besides `sysctl.NAME=`.
  public var bootParameter: String?
  /// The item of the readiness checklist (docs/fleet-netconsole-readiness.md, section 7).
  public var item: Int
  /// How bad a wrong value is.
  public var severity: Severity
  public var production: Want?
  public var lab: Want?
  public var reason: String

  public init(
    _ name: String, item: Int, severity: Severity, production: Want?, lab: Want?,
    boot bootParameter: String? = nil, reason: String
  ) {
    self.name = name
    if name.hasPrefix("kernel.") || name.hasPrefix("vm.") {
      path = "/proc/sys/" + name.replacingDots()
    } else {
      let parts = name.split(separator: ".", maxSplits: 1)
      path = "/sys/module/\(parts[0])/parameters/\(parts.count > 1 ? parts[1] : "")"
    }
    self.bootParameter = bootParameter
    self.item = item
    self.severity = severity
    self.production = production
    self.lab = lab
    self.reason = reason
  }

  /// Whether this is a sysctl (set with `sysctl -w`) rather than a module parameter.
  public var isSysctl: Bool { path.hasPrefix("/proc/sys/") }

  public func want(in profile: PanicProfile) -> Want? {
    switch profile {
    case .production: return production
    case .lab: return lab
    }
  }

  /// The kernel parameter that sets the value from boot.
  public func bootSetting(_ value: String) -> String {
    if let bootParameter { return bootParameter.replacingOccurrences(of: "VALUE", with: value) }
    return isSysctl ? "sysctl.\(name)=\(value)" : "\(name)=\(value)"
  }

  /// The fixes that give the knob `value`: now, and from the next boot on.
  public func fixes(setting value: String) -> [Fix] {
    let now =
      isSysctl
      ? Fix(.sysctl, "sysctl -w \(name)=\(value)") : Fix(.command, "echo \(value) > \(path)")
    return [now, Fix(.kernelParameter, bootSetting(value))]
  }
}

/// The values a profile accepts for a knob, and the one `arm` writes.
public struct Want: Sendable, Equatable {
  public enum Test: Sendable, Equatable {
    case equal(Int)
    case atLeast(Int)
    case notEqual(Int)
    /// A bitmask that has these bits, or is 1 (everything on), as kernel.sysrq.
    case hasBits(Int)
  }

  public var test: Test
  /// What `arm` writes when the value fails the test.
  public var value: String

  public static func equal(_ wanted: Int) -> Want { Want(test: .equal(wanted), value: String(wanted)) }
  public static func atLeast(_ minimum: Int, write value: Int) -> Want {
    Want(test: .atLeast(minimum), value: String(value))
  }
  public static func notEqual(_ unwanted: Int, write value: Int) -> Want {
    Want(test: .notEqual(unwanted), value: String(value))
  }
  public static func hasBits(_ bits: Int) -> Want { Want(test: .hasBits(bits), value: String(bits)) }

  /// Whether a value read from the kernel passes. Boolean module parameters read `Y`/`N`.
  public func accepts(_ text: String) -> Bool {
    guard let number = Self.number(text) else { return false }
    switch test {
    case .equal(let wanted): return number == wanted
    case .atLeast(let minimum): return number >= minimum
    case .notEqual(let unwanted): return number != unwanted
    case .hasBits(let bits): return number == 1 || number & bits == bits
    }
  }

  /// The value to write given the current one (a bitmask keeps its other bits).
  public func valueToWrite(current: String?) -> String {
    if case .hasBits(let bits) = test, let current, let number = Self.number(current), number > 1 {
      return String(number | bits)
    }
    return value
  }

  /// What the test asks for, in words.
  public var description: String {
    switch test {
    case .equal(let wanted): return "\(wanted)"
    case .atLeast(let minimum): return "\(minimum) or more"
    case .notEqual(let unwanted): return "anything but \(unwanted)"
    case .hasBits(let bits): return "1, or a mask with bit \(bits)"
    }
  }

  /// The first number of a sysctl value (`hardlockup_panic` and friends are one number;
  /// Y/N are module booleans).
  static func number(_ text: String) -> Int? {
    let first =
      text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).first.map(String.init) ?? ""
    switch first {
    case "Y", "y": return 1
    case "N", "n": return 0
    default: return Int(first)
    }
  }
}

/// Which policy to hold the machine to.
public enum PanicProfile: String, Sendable, CaseIterable, Codable {
  /// Every hang and oops becomes a panic and a dump; warnings do not.
  case production
  /// Everything that looks like a kernel bug panics, warnings included (syzbot's choice).
  case lab
}

extension String {
  fileprivate func replacingDots() -> String {
    String(map { $0 == "." ? "/" : $0 })
  }

  func replacingOccurrences(of target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var result = ""
    var rest = Substring(self)
    while let range = rest.firstRange(of: target) {
      result += rest[..<range.lowerBound] + replacement
      rest = rest[range.upperBound...]
    }
    return result + rest
  }
}
