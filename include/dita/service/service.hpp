#pragma once
// The kernel as a service: one account's venue, journal, control plane and kernel, owned by one
// thread. Every member below except metrics() and the constructor runs on that thread only
// (the server posts HTTP requests to it), so the kernel stays single-threaded.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dita/contracts/json.hpp"
#include "dita/contracts/result.hpp"
#include "dita/contracts/types.hpp"
#include "dita/service/config.hpp"
#include "dita/service/log.hpp"
#include "dita/service/intent_store.hpp"
#include "dita/service/metrics.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::service {

// An HTTP answer: status and JSON body.
struct Reply {
    int status = 200;
    Json body;
};

Reply error_reply(int status, std::string_view code, std::string detail);

inline constexpr std::size_t intent_id_length_max = 128;
inline constexpr std::size_t outcomes_page_max = 1000;

class Service {
public:
    // Opens the journal and starts the venue (for bingx: proves the keys and loads contract
    // rules). No intent is taken before start().
    static Result<std::unique_ptr<Service>, Error> create(ServiceConfig config, ServiceLog& log);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Closes in-flight intents of a previous run, restores the kernel from the journal and
    // reconciles with the venue; ready afterwards.
    Result<bool, Error> start();
    // Applies venue events, feeds marks, reconciles when due (interval or stream reconnect).
    void tick();
    // Cancels nothing, sends nothing: closes the venue's connections. The journal is committed
    // after every input, so nothing is left to flush but the file itself (closed on destruction).
    void stop();

    Reply submit_intent(const Json& body);
    Reply intent(const std::string& intent_id);
    Json snapshot() const;
    Reply outcomes(std::int64_t after, std::size_t limit);
    Reply control(const Json& body);

    bool ready() const { return ready_; }
    const ServiceConfig& config() const { return config_; }
    Metrics& metrics() { return metrics_; }
    // Called on the kernel thread with each stream message (JSON text); must not block.
    void set_broadcast(std::function<void(std::string)> broadcast) { broadcast_ = std::move(broadcast); }

private:
    struct Parts;
    Service(ServiceConfig config, ServiceLog& log);
    // Records the intent, hands it to the kernel, records its outcome.
    Reply process_recorded(KernelIntent intent, const std::string& request);
    void after_input(std::string_view kind, std::string_view input_ref, const KernelOutcome& outcome);
    std::optional<RecoveredState> settle_in_doubt(std::optional<RecoveredState> recovered,
                                                  const std::vector<StoredIntent>& in_doubt);
    void reconcile(std::string_view why);
    void feed_marks();
    Json flatten(std::int64_t now_ns);
    void publish_gauges();

    ServiceConfig config_;
    ServiceLog& log_;
    Metrics metrics_;
    std::unique_ptr<Parts> parts_;
    std::function<void(std::string)> broadcast_;
    bool ready_ = false;
    std::int64_t next_mark_ns_ = 0;
    std::int64_t next_reconcile_ns_ = 0;
    std::uint64_t stream_connects_seen_ = 0;
    std::uint64_t mark_round_ = 0;
    std::uint64_t internal_intents_ = 0;
};

} // namespace dita::service
