-- String methods in a loop: records parsed with a trim and a split, tested by prefix, suffix and plain find,
-- rewritten with gsub and upper, and counted into a table.
local function split(s, sep)
  local out, from = {}, 1
  while true do
    local at = string.find(s, sep, from, true)
    if not at then out[#out + 1] = string.sub(s, from); return out end
    out[#out + 1] = string.sub(s, from, at - 1)
    from = at + #sep
  end
end
local function main()
  local names = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
  local counts, ncounts = {}, 0
  local total = 0
  for i = 0, 100000 - 1 do
    local line = " " .. names[i % 6 + 1] .. "=" .. (i % 7) .. "," .. names[(i * 7) % 6 + 1] .. " "
    local parts = split(string.match(line, "^%s*(.-)%s*$"), "=")
    local key = parts[1]
    local fields = split(parts[2], ",")
    local f = fields[2]
    if string.sub(key, 1, 1) == "a" or string.sub(key, -2) == "ta" then total = total + 1 end
    local at = string.find(f, "ta", 1, true)
    if at then total = total + at - 1 end
    total = total + #(string.gsub(key, "a", "xx")) + #string.upper(f)
    if counts[f] == nil then ncounts = ncounts + 1 end
    counts[f] = (counts[f] or 0) + 1
  end
  return total + counts["zeta"] + ncounts
end
print(main())
