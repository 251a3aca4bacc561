-- String building: 200,000 interpolated lines joined, then 100,000 appends of interpolated text.
local function main()
  local lines = {}
  for i = 0, 200000 - 1 do
    lines[#lines + 1] = "item " .. i .. ": " .. (i * 2)
  end
  local text = table.concat(lines, "\n")
  local parts = {}
  for i = 0, 100000 - 1 do parts[#parts + 1] = tostring(i % 10) end
  local digits = table.concat(parts)
  return #text + #digits
end
print(main())
