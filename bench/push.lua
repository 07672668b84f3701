-- push.lua - the wrk script of bench/run.sh: one alert per POST, the same
-- ~1 KB alert with 8 labels for every target, in that target's shape.
--
-- BENCH_TARGET:
--   standard   alerthub's standard push body (alert_key, title, description,
--              8 labels); also the body nginx gets
--   am         Alertmanager's POST /api/v2/alerts body: a one-alert array
--              with the 8 labels, a summary and description annotation
--   rtc        a Volcengine RTC Cloud Monitor callback with one resource; the
--              adapter makes 8 labels of it (rule_id, rule_name, resource_id,
--              resource_name, region, level, happened_at, rule_condition)
-- BENCH_MODE:
--   new        every request is a new alert: the standard alert_key, the
--              Alertmanager alertname, the RTC resource id are unique (run,
--              thread, counter)
--   same       every request is the same alert, identical every time
--   preload    rtc only: 100 firing resources per request, numbered so that
--              request k of thread t carries resources (k*T + t)*100 .. +99
--              (T = BENCH_THREADS)
--   recover    rtc only: one recovery per request (RecoveredResources) of
--              the resources listed in the file BENCH_IDS (one id a line,
--              those that preload opened): request j of thread t recovers
--              line j*T + t, so every request closes a different alert
--              (past the end of the list it starts again, and a warning of
--              bench/run.sh says so)
-- BENCH_RUN names the run, so keys of two runs never collide.
--
-- done() prints one line, "BENCH key=value ...", that bench/run.sh reads:
-- requests, duration, latency percentiles (all from wrk's latency
-- histogram), wrk's error counters, and the smallest, largest and summed
-- per-thread request counters (requests made, answered or not: for preload
-- and recover).

local target = os.getenv("BENCH_TARGET") or "standard"
local mode = os.getenv("BENCH_MODE") or "new"
local run = os.getenv("BENCH_RUN") or "0"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local all_threads = {}

function setup(thread)
    thread:set("tid", #all_threads)
    table.insert(all_threads, thread)
end

counter = 0
local headers = { ["Content-Type"] = "application/json" }

-- About 700 characters: what a real alert's description or runbook note
-- carries. The whole body of every target comes to about 1 KB with it.
local desc = "CPU usage of checkout-api on this host has been above 90% for the last"
    .. " 5 minutes (5m average 93.4%, threshold 90%). Requests queue up and p99"
    .. " latency of the checkout path rises with it. Check for a runaway worker"
    .. " or a traffic spike first: compare the request rate with the same hour"
    .. " last week, look at the top processes on the host, and scale out the"
    .. " deployment if the rate is real. If one worker spins, restart it and"
    .. " keep a thread dump. Runbook: https://runbooks.example.com/checkout-api/"
    .. "high-cpu; dashboard: https://grafana.example.com/d/checkout-api/overview"
    .. "?var-host=this-host&from=now-1h; owner: payments on-call. Escalate to the"
    .. " platform team when the host itself is unhealthy (steal time, throttling)."

local function labels_json(alertname, n)
    return string.format(
        '{"alertname":"%s","host":"bench-%d","check":"cpu","service":"checkout-api",'
            .. '"env":"prod","region":"cn-north-1","cluster":"bench-k8s-1",'
            .. '"instance":"10.20.%d.%d:9100"}',
        alertname, n % 100, math.floor(n / 256) % 256, n % 256)
end

local function standard_body(key, alertname, n)
    return string.format(
        '{"event_status":"Critical","title_rule":"bench high cpu on checkout-api",'
            .. '"alert_key":"%s","description":"%s","labels":%s}',
        key, desc, labels_json(alertname, n))
end

local starts_at = os.date("!%Y-%m-%dT%H:%M:%SZ")

local function am_body(alertname, n)
    return string.format(
        '[{"labels":%s,"annotations":{"summary":"bench high cpu on checkout-api",'
            .. '"description":"%s"},"startsAt":"%s"}]',
        labels_json(alertname, n), desc, starts_at)
end

local function rtc_resource(id)
    return string.format('{"Id":"%s","Name":"checkout-api","Region":"cn-north-1"}', id)
end

local function rtc_body(firing, recovered)
    return string.format(
        '{"RuleId":"1858293746123456789","RuleName":"bench-high-cpu","Level":"critical",'
            .. '"HappenedAt":"2026-11-20 14:51:01(UTC+08:00)","RuleCondition":"%s",'
            .. '"Resources":[%s],"RecoveredResources":[%s]}',
        desc, firing, recovered)
end

local ids = {} -- recover: the resource ids to recover, from BENCH_IDS

-- body(tid, n): the body of request n (1, 2, ...) of thread tid.
function body(t, n)
    local id = string.format("%s-%d-%d", run, t, n)
    if mode == "same" then
        id = run .. "-same"
        n = 0
    end
    if target == "am" then
        return am_body("BenchHighCpu-" .. id, n)
    elseif target == "rtc" then
        if mode == "preload" then
            local first, res = ((n - 1) * nthreads + t) * 100, {}
            for j = 0, 99 do
                res[#res + 1] = rtc_resource(string.format("res-%s-%d", run, first + j))
            end
            return rtc_body(table.concat(res, ","), "")
        elseif mode == "recover" then
            local i = (n - 1) * nthreads + t
            return rtc_body("", rtc_resource(ids[i % math.max(#ids, 1) + 1] or "res-none"))
        end
        return rtc_body(rtc_resource("res-" .. id), "")
    end
    return standard_body("bench-" .. id, "BenchHighCpu-" .. id, n)
end

function init(args)
    if mode == "recover" then
        for line in io.lines(os.getenv("BENCH_IDS")) do
            ids[#ids + 1] = line
        end
    end
end

function request()
    counter = counter + 1
    return wrk.format("POST", nil, headers, body(tid, counter))
end

function done(summary, latency, requests)
    local e = summary.errors
    local lo, hi, sum = nil, 0, 0
    for _, t in ipairs(all_threads) do
        local c = t:get("counter") or 0
        if lo == nil or c < lo then lo = c end
        if c > hi then hi = c end
        sum = sum + c
    end
    io.write(string.format(
        "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d p999_us=%d"
            .. " non2xx=%d connect=%d read=%d write=%d timeout=%d"
            .. " counter_min=%d counter_max=%d counter_sum=%d body_bytes=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        latency:percentile(99.9), e.status, e.connect, e.read, e.write, e.timeout,
        lo or 0, hi, sum, #body(0, 1)))
end
