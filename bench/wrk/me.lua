-- GET /v1/users/me with a valid bearer token, read from the file named by the first script
-- argument (the harness seeds the session directly in the store). The request is built once,
-- so wrk runs it as fast as a plain GET.
--   wrk ... -s me.lua http://127.0.0.1:PORT/v1/users/me -- TOKEN_FILE
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
done = require("report").done

function init(args)
  local file = assert(io.open(args[1], "r"))
  local token = file:read("*l")
  file:close()
  wrk.headers["Authorization"] = "Bearer " .. token
end
