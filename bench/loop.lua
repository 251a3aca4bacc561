-- A while loop summing 1..10,000,000.
local function main()
  local total, i = 0, 1
  while i <= 10000000 do
    total = total + i
    i = i + 1
  end
  return total
end
print(main())
