-- push.lua - wrk script for bench/run.sh: POSTs standard alert events.
--
-- BENCH_MODE=unique (default): every request carries its own alert_key
--   (run, thread and a counter), so each one opens an alert and an incident
--   and stores an event: the write path.
-- BENCH_MODE=same: every request is the same event with the same key, so
--   after the first one it is an identical repeat: the dedup path.
-- BENCH_RUN names the run, so keys of two runs never collide.

local mode = os.getenv("BENCH_MODE") or "unique"
local run = os.getenv("BENCH_RUN") or "0"
local threads = 0

function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end

local counter = 0
local headers = { ["Content-Type"] = "application/json" }
local same_body = string.format(
    '{"event_status":"Critical","title_rule":"bench identical","alert_key":"bench-%s-same",'
        .. '"description":"the same event again","labels":{"host":"bench-1","check":"cpu"}}',
    run)

function request()
    if mode == "same" then
        return wrk.format("POST", nil, headers, same_body)
    end
    counter = counter + 1
    local body = string.format(
        '{"event_status":"Critical","title_rule":"bench event","alert_key":"bench-%s-%d-%d",'
            .. '"description":"load test","labels":{"host":"bench-%d","check":"cpu"}}',
        run, tid, counter, counter % 100)
    return wrk.format("POST", nil, headers, body)
end
