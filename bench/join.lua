-- Joining 200,000 strings.
local function main()
  local parts = {}
  for i = 0, 199999 do parts[#parts + 1] = tostring(i) end
  return #table.concat(parts, ",")
end
print(main())
