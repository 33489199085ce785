-- POST of the JSON in the file BENCH_BODY_FILE to BENCH_PATH.
function scenario_init(args)
  PATH = os.getenv("BENCH_PATH")
  local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "r"))
  BODY = f:read("*a")
  f:close()
end
function request()
  return wrk.format("POST", PATH, {["Content-Type"] = "application/json"}, BODY)
end
