// The HTTP API of `dita run` against a server each test starts on 127.0.0.1 (port 0), with the
// mock venue and a journal in a fresh directory. Every wait is bounded.
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "dita/contracts/json.hpp"
#include "dita/service/http_client.hpp"
#include "dita/service/server.hpp"
#include "dita/service/service.hpp"

namespace dita::service {
namespace {

namespace fs = std::filesystem;

class Running {
public:
    explicit Running(const fs::path& dir, std::string token = {}, std::string extra = {}) {
        auto log = ServiceLog::open("human", "warn", (dir / "service.log").string());
        EXPECT_TRUE(log.ok());
        log_ = std::move(log).value();
        auto config = parse_service_config("[journal]\npath = \"journal.sqlite\"\n[kernel]\nslots = 3\n[api]\nport = 0\n"
                                           "[reconcile]\ninterval_ms = 200\n" + extra,
                                           (dir / "dita.toml").string());
        EXPECT_TRUE(config.ok()) << config.error().message();
        config->token = std::move(token);
        auto made = Service::create(*config, *log_);
        EXPECT_TRUE(made.ok()) << made.error().detail;
        service_ = std::move(made).value();
        server_ = std::make_unique<Server>(*service_, *log_);
        auto port = server_->start();
        EXPECT_TRUE(port.ok());
        target.port = *port;
        target.token = config->token;
        target.timeout = std::chrono::milliseconds(5000);
        for (int i = 0; i < 500 && get("/readyz").status != 200; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~Running() {
        server_->stop();
        server_.reset();
        service_.reset();
    }
    HttpResult get(const std::string& path) const { return call("GET", path, ""); }
    HttpResult call(const std::string& method, const std::string& path, const std::string& body) const {
        auto result = http_call(target, method, path, body);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().detail);
        return result.ok() ? *result : HttpResult{};
    }
    Json json(const std::string& method, const std::string& path, const Json& body = Json(), int status = 200) const {
        const HttpResult r = call(method, path, body.is_null() ? "" : body.dump());
        EXPECT_EQ(r.status, status) << method << " " << path << ": " << r.body;
        return Json::parse(r.body, nullptr, false);
    }
    Json intent(const Json& body, int status = 200) const { return json("POST", "/v1/intents", body, status); }

    HttpTarget target;

private:
    std::unique_ptr<ServiceLog> log_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<Server> server_;
};

Json enter(const std::string& id, int slot, double size = 0.01, double price = 50000.0) {
    return Json{{"intent_id", id}, {"trade_id", "t-" + id}, {"slot_id", slot}, {"asset", "BTCUSDT"}, {"side", "LONG"},
                {"action", "ENTER"}, {"target_size", size}, {"reference_price", price}, {"leverage", 2.0}};
}

Json exit_intent(const std::string& id, int slot, double price) {
    return Json{{"intent_id", id}, {"slot_id", slot}, {"action", "EXIT"}, {"reference_price", price}};
}

class ServiceApi : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("dita-service-api-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    fs::path dir;
};

TEST_F(ServiceApi, HealthReadyAndTheSnapshotShape) {
    Running s(dir);
    EXPECT_EQ(s.get("/healthz").status, 200);
    EXPECT_EQ(s.get("/readyz").status, 200);
    const Json snap = s.json("GET", "/v1/snapshot");
    ASSERT_EQ(snap["slots"].size(), 3u);
    for (const char* key : {"initial_capital", "capital", "equity", "realized_pnl", "fees_paid", "unrealized_pnl", "used_margin"}) {
        EXPECT_TRUE(snap["account"].contains(key)) << key;
    }
    EXPECT_EQ(snap["slots"][0]["fsm_state"], "IDLE");
    EXPECT_EQ(snap["service"]["mode"], "NORMAL");
    EXPECT_EQ(snap["service"]["ready"], true);
    EXPECT_EQ(s.get("/nope").status, 404);
    EXPECT_NE(s.get("/").body.find("<table id=\"slots\""), std::string::npos);
}

TEST_F(ServiceApi, AnIntentIsIdempotentByItsId) {
    Running s(dir);
    const Json first = s.intent(enter("e1", 0));
    EXPECT_EQ(first["replayed"], false);
    EXPECT_EQ(first["outcome"]["diagnostic_code"], "OK") << first.dump();
    const Json again = s.intent(enter("e1", 0));
    EXPECT_EQ(again["replayed"], true);
    EXPECT_EQ(again["outcome"], first["outcome"]);
    // The same id for another intent is refused with the first outcome.
    const Json other = s.intent(enter("e1", 1), 409);
    EXPECT_EQ(other["error"]["code"], "DUPLICATE_INTENT");
    EXPECT_EQ(other["first_outcome"], first["outcome"]);
    const Json snap = s.json("GET", "/v1/snapshot");
    EXPECT_EQ(snap["slots"][0]["fsm_state"], "POSITION_OPEN");
    EXPECT_DOUBLE_EQ(snap["slots"][0]["size"].get<double>(), 0.01);
    EXPECT_EQ(snap["slots"][1]["fsm_state"], "IDLE"); // no second order
    EXPECT_EQ(s.json("GET", "/v1/intents/e1")["outcome"], first["outcome"]);
    s.json("GET", "/v1/intents/never", Json(), 404);
}

TEST_F(ServiceApi, BadRequestsAreRefusedAndChangeNothing) {
    Running s(dir);
    EXPECT_EQ(s.call("POST", "/v1/intents", "{not json").status, 400);
    EXPECT_EQ(s.intent(Json{{"slot_id", 0}, {"action", "ENTER"}}, 400)["error"]["code"], "INVALID_INTENT_ID");
    EXPECT_EQ(s.intent(Json{{"intent_id", "m"}, {"action", "MARK_PRICE"}}, 400)["error"]["code"], "UNSUPPORTED_INTENT");
    EXPECT_EQ(s.intent(Json{{"intent_id", "x"}, {"side", "UP"}}, 400)["error"]["code"], "INVALID_REQUEST");
    EXPECT_EQ(s.json("POST", "/v1/control", Json{{"mode", "SIDEWAYS"}}, 400)["error"]["code"], "INVALID_REQUEST");
    EXPECT_EQ(s.json("POST", "/v1/control", Json{{"max_leverage", "0.5"}}, 400)["error"]["code"], "CONTROL_REFUSED");
    EXPECT_EQ(s.json("GET", "/v1/outcomes?after=x", Json(), 400)["error"]["code"], "INVALID_REQUEST");
    // A kernel refusal is an answered intent: 200 with the kernel's code.
    EXPECT_EQ(s.intent(enter("bad-slot", 99))["outcome"]["diagnostic_code"], "INVALID_SLOT_ID");
    EXPECT_EQ(s.json("GET", "/v1/snapshot")["service"]["mode"], "NORMAL");
}

TEST_F(ServiceApi, HaltRefusesEntersAndSurvivesARestart) {
    {
        Running s(dir);
        EXPECT_EQ(s.json("POST", "/v1/control", Json{{"mode", "HALTED"}, {"reason", "test"}})["mode"], "HALTED");
        EXPECT_EQ(s.intent(enter("h1", 0))["outcome"]["diagnostic_code"], "KERNEL_HALTED");
        EXPECT_EQ(s.json("POST", "/v1/control", Json{{"mode", "reduce-only"}})["mode"], "REDUCE_ONLY");
        EXPECT_EQ(s.intent(enter("h2", 0))["outcome"]["diagnostic_code"], "REDUCE_ONLY");
        s.json("POST", "/v1/control", Json{{"mode", "HALTED"}});
    }
    Running again(dir);
    EXPECT_EQ(again.json("GET", "/v1/snapshot")["service"]["mode"], "HALTED");
    const Json replay = again.intent(enter("h1", 0));
    EXPECT_EQ(replay["replayed"], true);
    EXPECT_EQ(replay["outcome"]["diagnostic_code"], "KERNEL_HALTED");
}

TEST_F(ServiceApi, OutcomesPageThroughTheJournal) {
    Running s(dir);
    s.intent(enter("o1", 0));
    const Json exited = s.intent(exit_intent("o2", 0, 50100.0));
    EXPECT_EQ(exited["outcome"]["diagnostic_code"], "OK") << exited.dump();
    const Json page = s.json("GET", "/v1/outcomes?after=0&limit=1000");
    bool saw_enter = false, saw_exit = false;
    std::int64_t previous = 0;
    for (const Json& o : page["outcomes"]) {
        EXPECT_GT(o["seq"].get<std::int64_t>(), previous);
        previous = o["seq"].get<std::int64_t>();
        saw_enter = saw_enter || o["input_ref"] == "o1";
        saw_exit = saw_exit || o["input_ref"] == "o2";
    }
    EXPECT_TRUE(saw_enter && saw_exit) << page.dump();
    EXPECT_EQ(page["last"], previous);
    EXPECT_TRUE(s.json("GET", "/v1/outcomes?after=" + std::to_string(previous))["outcomes"].empty());
    const Json snap = s.json("GET", "/v1/snapshot");
    EXPECT_NEAR(snap["account"]["realized_pnl"].get<double>(), 1.0, 1e-9); // 0.01 x 100
}

TEST_F(ServiceApi, FlattenExitsEverySlotAndLeavesReduceOnly) {
    Running s(dir);
    s.intent(enter("f1", 0));
    s.intent(enter("f2", 2, 0.02, 50010.0));
    const Json flattened = s.json("POST", "/v1/control", Json{{"flatten", true}});
    EXPECT_EQ(flattened["mode"], "REDUCE_ONLY");
    EXPECT_EQ(flattened["flatten"].size(), 2u) << flattened.dump();
    const Json snap = s.json("GET", "/v1/snapshot");
    for (const Json& slot : snap["slots"]) EXPECT_DOUBLE_EQ(slot["size"].get<double>(), 0.0) << slot.dump();
    EXPECT_EQ(s.json("POST", "/v1/control", Json{{"flatten", true}, {"mode", "HALTED"}}, 400)["error"]["code"],
              "INVALID_REQUEST");
}

TEST_F(ServiceApi, MetricsCountIntentsByCode) {
    Running s(dir);
    s.intent(enter("m1", 0));
    s.intent(enter("m2", 0)); // slot busy
    const HttpResult metrics = s.get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    for (const char* line : {"dita_intents_total{code=\"OK\"} 1", "dita_intents_total{code=\"SLOT_BUSY\"} 1",
                             "dita_slots{stage=\"POSITION_OPEN\"} 1", "dita_mode{mode=\"NORMAL\"} 1", "dita_ready 1",
                             "dita_venue_call_seconds_count{call=\"submit_order\"} 1", "dita_journal_commit_seconds_count",
                             "dita_reconciles_total", "dita_account_equity"}) {
        EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
    }
}

TEST_F(ServiceApi, TheTokenIsRequiredWhenConfigured) {
    Running s(dir, "0123456789abcdef-token");
    HttpTarget anonymous = s.target;
    anonymous.token.clear();
    EXPECT_EQ(http_call(anonymous, "GET", "/v1/snapshot")->status, 401);
    EXPECT_EQ(http_call(anonymous, "GET", "/metrics")->status, 401);
    EXPECT_EQ(http_call(anonymous, "GET", "/healthz")->status, 200);
    HttpTarget wrong = s.target;
    wrong.token = "0123456789abcdef-tokeX";
    EXPECT_EQ(http_call(wrong, "GET", "/v1/snapshot")->status, 401);
    EXPECT_EQ(s.get("/v1/snapshot").status, 200);
    EXPECT_EQ(http_call(anonymous, "GET", "/v1/snapshot?token=0123456789abcdef-token")->status, 200);
}

TEST_F(ServiceApi, TheStreamCarriesOutcomesAndTransitions) {
    Running s(dir);
    namespace asio = boost::asio;
    namespace websocket = boost::beast::websocket;
    asio::io_context context;
    boost::beast::tcp_stream tcp(context);
    tcp.expires_after(std::chrono::seconds(5));
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.target.port));
    websocket::stream<boost::beast::tcp_stream> ws(std::move(tcp));
    ws.handshake("127.0.0.1", "/v1/stream");
    boost::beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(Json::parse(boost::beast::buffers_to_string(buffer.data()))["type"], "hello");
    s.intent(enter("w1", 1));
    bool seen = false;
    for (int i = 0; i < 50 && !seen; ++i) {
        buffer.consume(buffer.size());
        boost::beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
        ws.read(buffer);
        const Json message = Json::parse(boost::beast::buffers_to_string(buffer.data()));
        if (message["input_ref"] == "w1") {
            seen = true;
            EXPECT_EQ(message["outcome"]["diagnostic_code"], "OK");
            EXPECT_FALSE(message["outcome"]["transitions"].empty()) << message.dump();
            EXPECT_GT(message["seq"].get<std::int64_t>(), 0);
        }
    }
    EXPECT_TRUE(seen);
}

TEST_F(ServiceApi, ConcurrentRetriesOfOneIntentMakeOneOrder) {
    Running s(dir);
    std::vector<std::thread> clients;
    std::vector<Json> answers(8);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        clients.emplace_back([&, i] { answers[i] = s.intent(enter("c1", 0)); });
    }
    for (std::thread& t : clients) t.join();
    int first = 0;
    for (const Json& a : answers) {
        first += a["replayed"] == false ? 1 : 0;
        EXPECT_EQ(a["outcome"], answers[0]["outcome"]);
    }
    EXPECT_EQ(first, 1);
    EXPECT_NE(s.get("/metrics").body.find("dita_venue_call_seconds_count{call=\"submit_order\"} 1"), std::string::npos);
}

// BingX refuses a reused clientOrderId for the life of an account: every journal draws its own id
// prefix once and keeps it across restarts, so a second journal's "e1" is not the first's.
TEST_F(ServiceApi, EachJournalSendsClientOrderIdsOfItsOwn) {
    const std::string venue = "[venue]\nkind = \"bingx-sim\"\nmax_order_qty = \"0.1\"\nmax_order_notional = \"100000\"\n";
    auto sent_id = [&](const fs::path& journal_dir) {
        Running s(journal_dir, {}, venue);
        const Json first = s.intent(enter("e1", 0));
        EXPECT_EQ(first["outcome"]["diagnostic_code"], "OK") << first.dump();
        for (const Json& event : first["outcome"]["emitted_events"]) {
            // The ack or the fill, whichever the venue delivered (a fill may come first).
            const std::string id = event["client_order_id"].get<std::string>();
            if (!id.empty()) return id;
        }
        ADD_FAILURE() << "no event of the order in " << first.dump();
        return std::string();
    };
    const fs::path other = dir / "other";
    fs::create_directories(other);
    const std::string a = sent_id(dir);
    const std::string b = sent_id(other);
    EXPECT_NE(a.find("e1"), std::string::npos) << a;
    EXPECT_NE(a, "e1");
    EXPECT_NE(a, b);
}

} // namespace
} // namespace dita::service
