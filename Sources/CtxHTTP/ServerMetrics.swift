import CtxStore
import Foundation
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`): requests by route, tool and status,
/// latency histograms by tool, requests in flight and refused, and each source's index age.
///
/// Labels come from fixed sets only (route names, the registry's tool names), never from
/// request text, so no client can grow the series without bound.
final class ServerMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  private let toolNames: Set<String>
  private let inFlight: Gauge
  static let buckets: [Duration] = [
    .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(150), .milliseconds(250),
    .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
  ]

  init(toolNames: [String]) {
    self.toolNames = Set(toolNames)
    inFlight = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        namespace: "ctx", metricName: "http_requests_in_flight", unitName: "", helpText: "HTTP requests being served now."))
  }

  /// A tool name fit for a label: one of the registry's, `-` for none, `other` for the rest.
  func toolLabel(_ name: String?) -> String {
    guard let name else { return "-" }
    return toolNames.contains(name) ? name : "other"
  }

  func started() { inFlight.increment() }

  func finished(route: String, tool: String?, status: Int, duration: Duration) {
    inFlight.decrement()
    let tool = toolLabel(tool)
    registry.makeCounter(
      descriptor: MetricNameDescriptor(namespace: "ctx", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by route, tool and status."),
      labels: [("route", route), ("tool", tool), ("status", String(status))]
    ).increment()
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        namespace: "ctx", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer an HTTP request, by route and tool."),
      labels: [("route", route), ("tool", tool)], buckets: ServerMetrics.buckets
    ).record(duration)
  }

  /// A tool call's outcome inside a 200 answer: `ok`, or the tool error's code.
  func toolCall(_ tool: String, outcome: String) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(namespace: "ctx", metricName: "tool_calls", unitName: "total", helpText: "Tool calls by tool and outcome (ok or the error code)."),
      labels: [("tool", toolLabel(tool)), ("outcome", outcome)]
    ).increment()
  }

  /// Each source's seconds since its last successful index run (read at scrape time).
  func updateIndexAge(records: [SourceRecord], now: Date = Date()) {
    for record in records {
      let age = record.lastSuccess.map { now.timeIntervalSince($0.finished) } ?? -1
      registry.makeGauge(
        descriptor: MetricNameDescriptor(
          namespace: "ctx", metricName: "index_age", unitName: "seconds",
          helpText: "Seconds since the source's last successful index run (-1: never)."),
        labels: [("source", record.name)]
      ).set(age)
    }
  }

  func refresh(outcome: String) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(namespace: "ctx", metricName: "refresh_runs", unitName: "total", helpText: "ctx index runs started by --refresh, by outcome."),
      labels: [("outcome", outcome)]
    ).increment()
  }

  func emit() -> [UInt8] { registry.emitToBuffer() }
}
