-- A 200,000-entry map built with string keys, then read back by key.
local function main()
  local m = {}
  for i = 0, 199999 do m["key" .. i] = i end
  local total = 0
  for i = 0, 199999 do total = total + m["key" .. i] end
  return total
end
print(main())
