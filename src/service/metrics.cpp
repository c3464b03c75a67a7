#include "dita/service/metrics.hpp"

#include <cstdio>

#include "dita/contracts/enums.hpp"

namespace dita::service {

namespace {

std::string number(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void line(std::string& out, const std::string& name, const std::string& labels, const std::string& value) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += " " + value + "\n";
}

} // namespace

void Histogram::observe(double seconds) {
    for (std::size_t i = 0; i < bounds_s.size(); ++i) {
        if (seconds <= bounds_s[i]) ++counts_[i];
    }
    ++count_;
    sum_ += seconds;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    const std::string sep = labels.empty() ? "" : labels + ",";
    for (std::size_t i = 0; i < bounds_s.size(); ++i) {
        line(out, name + "_bucket", sep + "le=\"" + number(bounds_s[i]) + "\"", std::to_string(counts_[i]));
    }
    line(out, name + "_bucket", sep + "le=\"+Inf\"", std::to_string(count_));
    line(out, name + "_sum", labels, number(sum_));
    line(out, name + "_count", labels, std::to_string(count_));
}

void Metrics::intent(std::string_view code) {
    std::lock_guard lock(mutex_);
    ++intents_by_code_[std::string(code)];
}

void Metrics::outcome(std::string_view code) {
    std::lock_guard lock(mutex_);
    ++outcomes_by_code_[std::string(code)];
}

void Metrics::venue_call(std::string_view call, double seconds) {
    std::lock_guard lock(mutex_);
    venue_calls_[std::string(call)].observe(seconds);
}

void Metrics::journal_commit(double seconds) {
    std::lock_guard lock(mutex_);
    journal_commits_.observe(seconds);
}

void Metrics::reconcile(bool mismatch) {
    std::lock_guard lock(mutex_);
    ++reconciles_;
    if (mismatch) ++mismatches_;
}

void Metrics::stream_reconnect() {
    std::lock_guard lock(mutex_);
    ++stream_reconnects_;
}

void Metrics::replayed_intent() {
    std::lock_guard lock(mutex_);
    ++replayed_intents_;
}

void Metrics::set_gauges(Gauges gauges) {
    std::lock_guard lock(mutex_);
    gauges_ = std::move(gauges);
}

bool Metrics::ready() const {
    std::lock_guard lock(mutex_);
    return gauges_.ready;
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    header(out, "dita_intents_total", "counter", "Intents processed by the kernel, by diagnostic code.");
    for (const auto& [code, n] : intents_by_code_) line(out, "dita_intents_total", "code=\"" + code + "\"", std::to_string(n));
    header(out, "dita_intents_replayed_total", "counter", "Retried intents answered with their first outcome.");
    line(out, "dita_intents_replayed_total", "", std::to_string(replayed_intents_));
    header(out, "dita_kernel_outcomes_total", "counter", "Every kernel input (intents, venue events, reconciles, marks), by code.");
    for (const auto& [code, n] : outcomes_by_code_) line(out, "dita_kernel_outcomes_total", "code=\"" + code + "\"", std::to_string(n));
    header(out, "dita_venue_call_seconds", "histogram", "Latency of venue calls, by call.");
    for (const auto& [call, h] : venue_calls_) h.render(out, "dita_venue_call_seconds", "call=\"" + call + "\"");
    header(out, "dita_journal_commit_seconds", "histogram", "Latency of the journal's commit per kernel input.");
    journal_commits_.render(out, "dita_journal_commit_seconds", "");
    header(out, "dita_reconciles_total", "counter", "Reconciles with the venue.");
    line(out, "dita_reconciles_total", "", std::to_string(reconciles_));
    header(out, "dita_reconcile_mismatches_total", "counter", "Reconciles that left an asset the kernel cannot account for.");
    line(out, "dita_reconcile_mismatches_total", "", std::to_string(mismatches_));
    header(out, "dita_stream_reconnects_total", "counter", "Venue stream reconnects (each one reconciled).");
    line(out, "dita_stream_reconnects_total", "", std::to_string(stream_reconnects_));
    header(out, "dita_slots", "gauge", "Slots by FSM stage.");
    for (const auto& [stage, n] : gauges_.slots_by_stage) line(out, "dita_slots", "stage=\"" + stage + "\"", std::to_string(n));
    const std::pair<const char*, Decimal> money[] = {
        {"dita_account_equity", gauges_.equity},           {"dita_account_capital", gauges_.capital},
        {"dita_account_realized_pnl", gauges_.realized_pnl}, {"dita_account_fees_paid", gauges_.fees_paid},
        {"dita_account_unrealized_pnl", gauges_.unrealized_pnl}, {"dita_account_used_margin", gauges_.used_margin}};
    for (const auto& [name, value] : money) {
        header(out, name, "gauge", "Account figure in the quote currency (USDT).");
        line(out, name, "", value.to_string());
    }
    header(out, "dita_mode", "gauge", "The kernel's mode (1 for the current one).");
    for (const KernelMode mode : enum_values<KernelMode>()) {
        const std::string name(to_string(mode));
        line(out, "dita_mode", "mode=\"" + name + "\"", name == gauges_.mode ? "1" : "0");
    }
    header(out, "dita_mismatched_assets", "gauge", "Assets whose venue position the last reconcile could not match.");
    line(out, "dita_mismatched_assets", "", std::to_string(gauges_.mismatched_assets));
    header(out, "dita_ready", "gauge", "1 once the first reconcile with the venue is done.");
    line(out, "dita_ready", "", gauges_.ready ? "1" : "0");
    return out;
}

} // namespace dita::service
