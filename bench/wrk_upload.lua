-- wrk script for the hand-in API: POST a small PDF as multipart/form-data, each request with
-- the next API token of BENCH_UPLOAD_TOKENS (one a line, students of different groups), to
-- BENCH_UPLOAD_PATH. Reports like wrk_report.lua (its done() is loaded here).
dofile("bench/wrk_report.lua")

local boundary = "lectern-bench-" .. tostring(os.time())
local pdf_file = assert(io.open(os.getenv("BENCH_UPLOAD_FILE"), "rb"))
local pdf = pdf_file:read("*a")
pdf_file:close()
local body = "--" .. boundary .. "\r\n"
  .. 'Content-Disposition: form-data; name="file"; filename="report.pdf"\r\n'
  .. "Content-Type: application/pdf\r\n\r\n"
  .. pdf .. "\r\n--" .. boundary .. "--\r\n"

local tokens = {}
for line in io.lines(os.getenv("BENCH_UPLOAD_TOKENS")) do
  tokens[#tokens + 1] = line
end
local path = os.getenv("BENCH_UPLOAD_PATH")
local sent = 0

request = function()
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Authorization"] = "Token " .. tokens[(sent % #tokens) + 1],
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Accept"] = "application/json",
  }, body)
end
