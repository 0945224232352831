-- wrk script: each request logs a new visit (a unique patient MRN, so never a duplicate),
-- spread over the contractors the setup placed. Reads ids and token from the environment.
local token = os.getenv("BENCH_TOKEN")
local agency = os.getenv("BENCH_AGENCY")
local date = os.getenv("BENCH_DATE")
local contractors = {}
for id in string.gmatch(os.getenv("BENCH_CONTRACTORS"), "[^,]+") do table.insert(contractors, id) end

local counter = 0
thread_id = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

local nonce = 0
function init(args)
  counter = 0
  -- Runs (warm-up, measurement) must not log the same visit twice: they would be duplicates.
  nonce = os.time()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local contractor = contractors[(counter % #contractors) + 1]
  local body = string.format(
    '{"contractorId":"%s","agencyId":"%s","patient":{"name":"Bench Patient %d","mrn":"B%d-%d-%d"},"visitDate":"%s","discipline":"PT","visitType":"Routine","miles":4.5,"noteSigned":true}',
    contractor, agency, counter, nonce, thread_id, counter, date)
  return wrk.format(nil, "/api/visits", nil, body)
end

local reported = 0
function response(status, headers, body)
  if status ~= 201 and reported < 2 then
    reported = reported + 1
    io.write("unexpected " .. status .. ": " .. body .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests: %d, errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  io.write(string.format("throughput: %.0f visits/s\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
