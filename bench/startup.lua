-- Start-up: a one-line program.
print("hello")
