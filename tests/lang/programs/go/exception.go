package main

func main() { panic("something broke") }
