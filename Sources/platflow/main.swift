import PlatLang
print("platflow")
